"""Every registered GAN type meets the protocol: it trains a few steps from its config, checkpoints,
resumes bit for bit in fp32 on the CPU (networks, averaged copies, optimizers, extra state), previews,
samples, and its config survives the round trip through a run folder."""

from __future__ import annotations

import pytest
import torch

from ganforge.data import DataError
from ganforge.experiment import config_from, load_data, load_run, train
from ganforge.gans.protocol import samples_of
from ganforge.registry import GAN_TYPES
from ganforge.training import load_checkpoint
from conftest import tiny_image_config


#: What a type needs beyond the tiny image config (its own data keys, networks small enough for 8x8 digits).
SETUP = {"cyclegan": {"data": {"a": "digits", "b": "digits"},
                      "cyclegan": {"crop": 8, "blocks": 1, "receptive_field": 16, "pool_size": 20}}}


def config(kind: str, steps: int) -> dict:
    cfg = tiny_image_config(steps=steps, precision="fp32", ema=0.9, ema_start=1, checkpoint_every=2)
    cfg["gan"].update(kind=kind, instance_noise=0.1, instance_noise_steps=8)
    for section, values in SETUP.get(kind, {}).items():
        cfg.setdefault(section, {}).update(values)
    return cfg


def same(a, b, where=""):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert set(a) == set(b), where
        for key in a:
            same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


@pytest.mark.parametrize("kind", GAN_TYPES.names())
def test_gan_type_trains_resumes_bit_for_bit_previews_and_round_trips_its_config(kind, tmp_path):
    straight = train(config(kind, 4), out=tmp_path / "a")
    train(config(kind, 2), out=tmp_path / "b")
    resumed = train(config(kind, 4), resume=tmp_path / "b")
    a = load_checkpoint(tmp_path / "a" / "checkpoints" / "last.pt")
    b = load_checkpoint(tmp_path / "b" / "checkpoints" / "last.pt")
    assert a["step"] == b["step"] == 4 and straight.step == resumed.step == 4
    for part in ("networks", "averaged", "optimizers", "extra", "batches", "metadata"):
        same(a[part], b[part], part)

    gan, cfg = load_run(tmp_path / "a")
    assert cfg.to_dict() == config_from(config(kind, 4)).to_dict()
    assert config_from(cfg.to_dict()).to_dict() == cfg.to_dict()
    data = load_data(cfg)
    shape = tuple(data.sample_shape)
    preview = gan.preview(seed=0, data=data)
    assert preview.samples.shape[1:] == shape
    if preview.columns is None:
        assert len(preview.samples) == 64
    else:  # rows of given inputs and what the model makes of them
        assert len(preview.samples) and len(preview.samples) % preview.columns == 0
    assert torch.equal(gan.preview(seed=0, data=data).samples, preview.samples)
    try:
        samples = gan.sample(3)
    except DataError as exc:  # a type that varies given inputs says what to pass
        assert "pass" in str(exc)
        samples = gan.sample(3, images=samples_of(data.batch(torch.arange(3))).float() / 127.5 - 1)
    assert samples.shape == (3, *shape) and samples.dtype == torch.float32
    same(gan.extra_state(), a["extra"], "extra")
