"""Checkpoints: hostile files are refused without torch's advice to load them unsafely; killed saves leave nothing."""

import os

import pytest
import torch

from ganforge.errors import CheckpointError
from ganforge.training.checkpoint import load_checkpoint, save_checkpoint


def test_a_checkpoint_with_python_objects_is_refused_without_weights_only_false_advice(tmp_path):
    path = tmp_path / "hostile.pt"
    with torch.random.fork_rng():  # leave the global RNG as it was (test_readme's example depends on it)
        torch.save({"format": 1, "net": torch.nn.Linear(2, 2)}, path)  # pickled classes: could be any code
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    message = str(info.value)
    assert str(path) in message and "torch.nn.modules.linear.Linear" in message
    assert "weights_only" not in message


def test_a_corrupt_checkpoint_is_unreadable_without_weights_only_false_advice(tmp_path):
    path = tmp_path / "bad.pt"
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match=f"cannot read checkpoint {path}") as info:
        load_checkpoint(path)
    assert "weights_only" not in str(info.value)


def test_save_removes_the_temporaries_of_killed_saves(tmp_path):
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    leftover = tmp_path / f".last.pt.{dead}.k1ll3d_x.tmp"
    leftover.write_bytes(b"half a checkpoint")
    save_checkpoint(tmp_path / "last.pt", {"step": 1})
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]
    assert load_checkpoint(tmp_path / "last.pt")["step"] == 1
