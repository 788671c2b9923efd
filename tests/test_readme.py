"""The README's Python example runs as written and does what it says."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_python_example_trains_covers_the_ring_and_restores(tmp_path, monkeypatch, capsys):
    """Run as a user runs it: with torch's threads (up to 2; the suite's tiny models use one), since its 256-wide
    MLPs are the suite's largest job."""
    import os

    import torch

    code = re.search(r"### Python\n\n```python\n(.*?)```", README.read_text(), re.S).group(1)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    try:
        exec(compile(code, str(README), "exec"), scope)
    finally:
        torch.set_num_threads(threads)
    gan, data = scope["gan"], scope["data"]
    coverage = scope["mode_coverage"](gan.sample(2500), data.mixture.centers, data.mixture.std)
    assert coverage["modes_covered"] >= 7 and coverage["high_quality"] > 0.8, coverage
    assert (tmp_path / "runs" / "ring" / "checkpoints" / "last.pt").is_file()
    assert "modes_covered" in capsys.readouterr().out
