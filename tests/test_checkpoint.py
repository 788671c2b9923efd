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


def test_a_checkpoint_of_an_unknown_format_names_the_version_that_wrote_it(tmp_path):
    path = tmp_path / "future.pt"
    torch.save({"format": 99, "ganforge": "9.0.0", "step": 1}, path)
    with pytest.raises(CheckpointError, match=r"written by ganforge 9\.0\.0 in checkpoint format 99; ganforge .* "
                                              r"reads formats 1, 2"):
        load_checkpoint(path)


def test_a_format_1_checkpoint_without_extra_state_still_resumes(tmp_path):
    from ganforge.training import Trainer, save_checkpoint

    def trainer(steps):
        torch.manual_seed(0)
        from ganforge.gans import GAN
        from ganforge.nets import build_networks

        gan = GAN(*build_networks("mlp", data_shape=(2,), latent_dim=2, width=8, depth=1), 2)
        return Trainer(gan, torch.randn(64, 2), steps=steps, batch_size=8, progress=False, precision="fp32",
                       run_dir=tmp_path / "run")

    trainer(2).fit()
    state = load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")
    assert state["format"] == 2 and state["extra"] == {} and "ganforge" in state
    old = {k: v for k, v in state.items() if k not in ("extra", "ganforge", "format")}
    torch.save({"format": 1, **old}, tmp_path / "run" / "checkpoints" / "last.pt")  # as version 0.1.0 wrote it
    assert trainer(4).fit(resume=True).step == 4
