"""The README's Python example runs as written and does what it says."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.heavy
def test_python_example_trains_covers_the_ring_and_restores(tmp_path, monkeypatch, capsys):
    """Run as a user runs it, on the suite's one torch thread: with two threads, on a 2-core machine that also ran
    a 2-thread job, this test took 570 s instead of 44 s (the threads wait on each other)."""
    code = re.search(r"### Python\n\n```python\n(.*?)```", README.read_text(), re.S).group(1)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, str(README), "exec"), scope)
    gan, data = scope["gan"], scope["data"]
    coverage = scope["mode_coverage"](gan.sample(2500), data.mixture.centers, data.mixture.std)
    assert coverage["modes_covered"] >= 7 and coverage["high_quality"] > 0.8, coverage
    assert (tmp_path / "runs" / "ring" / "checkpoints" / "last.pt").is_file()
    assert "modes_covered" in capsys.readouterr().out
