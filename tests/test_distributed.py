"""Data-parallel training with 2 gloo processes on the CPU."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import tiny_image_config

HERE = Path(__file__).parent


def torchrun(*args, cwd):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", *args]
    env = {**__import__("os").environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.mark.heavy
def test_two_gloo_processes_hold_identical_weights_and_the_cli_writes_one_run_folder_from_rank_0(tmp_path):
    """One torchrun (starting it is most of the cost): the DDP checks, then ``ganforge train`` in its processes."""
    import yaml

    from ganforge.data import load_dataset

    # The digits as an .npz: each process would otherwise import scikit-learn (~2 s) to load them.
    digits = load_dataset("digits")
    np.savez(tmp_path / "digits.npz", images=digits.data.numpy(), labels=digits.labels.numpy())
    cfg = tiny_image_config(steps=4, checkpoint_every=2, sample_every=2)
    cfg["data"]["source"] = "digits.npz"
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(cfg))
    penalties = ["none", "r1"]
    proc = torchrun(str(HERE / "ddp_worker.py"), str(tmp_path), ",".join(penalties), "digits.npz", "tiny.yaml",
                    cwd=tmp_path)
    for penalty in penalties:
        r0, r1 = (torch.load(tmp_path / f"rank{r}_{penalty}.pt", weights_only=True) for r in (0, 1))
        assert r0["world_size"] == r1["world_size"] == 2
        assert not torch.equal(r0["first_batch"], r1["first_batch"])  # each rank sees its own shard
        for group in ("networks", "averaged"):
            for name, sd in r0[group].items():
                for key, tensor in sd.items():
                    assert torch.equal(tensor, r1[group][name][key]), \
                        f"penalty {penalty}: {group} {name}.{key} differs between ranks"

    assert proc.stdout.count("run folder:") == 1
    state = torch.load(tmp_path / "run" / "checkpoints" / "last.pt", weights_only=True)
    assert state["step"] == 4 and len(state["rng"]) == 2  # every rank's RNG state, for exact resume
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 2  # one writer, not two
