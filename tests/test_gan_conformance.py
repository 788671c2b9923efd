"""Every registered GAN type meets the protocol: it trains a few steps from its config, checkpoints,
resumes bit for bit in fp32 on the CPU (networks, averaged copies, optimizers, extra state), previews,
samples, and its config survives the round trip through a run folder."""

from __future__ import annotations

import pytest
import torch

from ganforge.data import DataError
from ganforge.runs.experiment import config_from, load_data, load_run, train
from ganforge.gans.protocol import samples_of
from ganforge.io import picture
from ganforge.registry import GAN_TYPES
from ganforge.training import load_checkpoint
from conftest import SOUND_KINDS, tiny_image_config, tiny_sound_config


#: Types that need their own data or section to run on the 8x8 digits: paired image-to-image types crop
#: 8-px pairs (pix2pix's pairs are the digits side by side, written by the ``pairs`` fixture).
SECTIONS = {"pix2pix": {"crop": 8, "depth": 3, "receptive_field": 16},
            "colorize": {"crop": 8, "depth": 3, "receptive_field": 16},
            "srgan": {"crop": 8, "scale": 2, "blocks": 1, "receptive_field": 16, "pretrain_steps": 2},
            "esrgan": {"crop": 8, "scale": 2, "blocks": 1, "growth": 4, "receptive_field": 16, "pretrain_steps": 2},
            "cyclegan": {"crop": 8, "blocks": 1, "receptive_field": 16, "pool_size": 20}}
#: Data keys of types that read their own: cyclegan's two domains (both the digits, for the protocol).
DATA = {"cyclegan": {"a": "digits", "b": "digits"}}
PAIRS: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def pairs(tmp_path_factory):
    """Side-by-side 8x16 pairs of digits, for pix2pix."""
    from PIL import Image

    from ganforge.data import load_dataset

    folder = tmp_path_factory.mktemp("pairs")
    digits = load_dataset("digits", n=32).data[:, 0].numpy()
    for i in range(0, 32, 2):
        Image.fromarray(digits[i:i + 2].transpose(1, 0, 2).reshape(8, 16)).save(folder / f"{i}.png")
    PAIRS["pix2pix"] = str(folder)


def config(kind: str, steps: int, folder) -> dict:
    """The type's own tiny example (``GANType.example``), a tiny sound config, else the tiny image config
    (with the type's section and data from ``SECTIONS`` / ``PAIRS``), made to checkpoint at step 2 and to
    use everything a checkpoint must carry (EMA copies, an annealed schedule)."""
    example = GAN_TYPES.get(kind).example
    if example is not None:
        cfg = example(folder)
    else:
        cfg = tiny_sound_config(kind) if kind in SOUND_KINDS else tiny_image_config()
    if kind in SECTIONS:
        cfg[kind] = SECTIONS[kind]
    if kind in PAIRS:
        cfg["data"]["source"] = PAIRS[kind]
    cfg["data"].update(DATA.get(kind, {}))
    cfg["train"].update(steps=steps, precision="fp32", ema=0.9, ema_start=1, checkpoint_every=2)
    cfg["gan"].update(kind=kind, instance_noise=0.1, instance_noise_steps=8)
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
    straight = train(config(kind, 4, tmp_path), out=tmp_path / "a")
    train(config(kind, 2, tmp_path), out=tmp_path / "b")
    resumed = train(config(kind, 4, tmp_path), resume=tmp_path / "b")
    a = load_checkpoint(tmp_path / "a" / "checkpoints" / "last.pt")
    b = load_checkpoint(tmp_path / "b" / "checkpoints" / "last.pt")
    assert a["step"] == b["step"] == 4 and straight.step == resumed.step == 4
    for part in ("networks", "averaged", "optimizers", "extra", "batches", "metadata"):
        same(a[part], b[part], part)

    gan, cfg = load_run(tmp_path / "a")
    assert cfg.to_dict() == config_from(config(kind, 4, tmp_path)).to_dict()
    assert config_from(cfg.to_dict()).to_dict() == cfg.to_dict()
    data = load_data(cfg)
    shape = tuple(data.sample_shape)
    preview = gan.preview(seed=0, data=data)
    assert torch.equal(gan.preview(seed=0, data=data).samples, preview.samples)
    if preview.picture is None:  # sound types draw their own (spectrograms, piano rolls)
        picture(preview.samples, preview.background, columns=preview.columns)  # the run's picture can be drawn
    if len(shape) == 3:
        assert preview.samples.shape[1:] == shape
        if preview.columns is None:  # a grid of 64
            assert len(preview.samples) == 64
        else:  # rows of a given width (e.g. input | output | target)
            assert len(preview.samples) % preview.columns == 0 and len(preview.samples) >= preview.columns
    try:
        samples = gan.sample(3)
    except DataError as exc:  # a type that varies given inputs says what to pass
        assert "pass" in str(exc)
        samples = gan.sample(3, images=samples_of(data.batch(torch.arange(3))).float() / 127.5 - 1)
    assert samples.shape == (3, *shape) and samples.dtype == torch.float32
    same(gan.extra_state(), a["extra"], "extra")
