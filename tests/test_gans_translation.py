"""The image-to-image GAN types: the SR two-stage schedule, relativistic D, perceptual loss, preview, config."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.cli import main
from ganforge.errors import ConfigError
from ganforge.runs.experiment import config_from, load_data, load_run, train


def sr_config(source, steps=4, **section):
    return {"name": "sr", "data": {"source": str(source)}, "model": {"width": 8}, "gan": {"kind": "srgan"},
            "srgan": {"crop": 16, "scale": 2, "blocks": 1, "receptive_field": 16, "pretrain_steps": 2, **section},
            "train": {"steps": steps, "batch_size": 4, "log_every": 1, "sample_every": 2, "checkpoint_every": 2,
                      "progress": False, "tensorboard": False, "precision": "fp32"}}


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray((rng.random((32 + 4 * i, 40, 3)) * 255).astype(np.uint8)).save(folder / f"p{i}.png")
    return folder


def test_sr_trains_reconstruction_only_then_adversarial(photos, tmp_path):
    train(sr_config(photos), out=tmp_path / "run")
    log = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    before, after = log[:2], log[2:]
    assert all("reconstruction" in r and "d_loss" not in r and "g_loss" not in r for r in before)
    assert all("d_loss" in r and "g_loss" in r and "feature_matching" in r for r in after)
    gan, _ = load_run(tmp_path / "run")
    assert [gan.pretraining(s) for s in range(4)] == [1, 1, 0, 0]
    assert [gan.critic_repeats(s) for s in range(4)] == [0, 0, 1, 1]


def test_anchor_pretrained_freezes_the_first_stage_and_survives_resume(photos, tmp_path):
    cfg = sr_config(photos, steps=2, anchor="pretrained")
    cfg["train"]["ema"] = 0.5  # the anchor is the averaged generator, as sampling uses
    train(cfg, out=tmp_path / "run")  # the first stage only: nothing to anchor to yet
    gan, _ = load_run(tmp_path / "run")
    assert gan.reference == []
    first_stage = {k: v.clone() for k, v in gan.averaged["generator"].state_dict().items()}
    train({**cfg, "train": {**cfg["train"], "steps": 4}}, out=tmp_path / "run", resume=tmp_path / "run")
    gan, _ = load_run(tmp_path / "run")
    (reference,) = gan.reference
    assert all(torch.equal(v, first_stage[k]) for k, v in reference.state_dict().items())
    assert not all(torch.equal(v, first_stage[k]) for k, v in gan.generator.state_dict().items())  # G moved on
    assert not any(p.requires_grad for p in reference.parameters())
    inputs = torch.rand(2, 3, 8, 8) * 2 - 1
    assert torch.equal(gan.anchored(inputs, torch.zeros(2, 3, 16, 16)), reference(inputs))


def test_anchor_pretrained_needs_a_first_stage(photos, tmp_path, capsys):
    import yaml

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(sr_config(photos, anchor="pretrained", pretrain_steps=0)))
    assert main(["train", str(path), "--out", str(tmp_path / "r")]) == 2
    assert "srgan.anchor=pretrained needs srgan.pretrain_steps > 0" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_reconstruction_only_has_no_discriminator_phase(photos, tmp_path):
    cfg = config_from(sr_config(photos, adversarial_weight=0, pretrain_steps=0))
    gan = load_data(cfg)  # the data loads
    from ganforge.runs.experiment import build_gan, gan_metadata

    gan = build_gan(cfg, gan_metadata(cfg, load_data(cfg)))
    assert [p.name for p in gan.phases(cfg.train)] == ["generator"]


def test_relativistic_esrgan_with_a_torchscript_perceptual_network(photos, tmp_path):
    features = torch.jit.script(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU()))
    path = tmp_path / "features.pt"
    features.save(str(path))
    cfg = sr_config(photos, perceptual=str(path), perceptual_weight=1.0, relativistic=True, generator="rrdb",
                    growth=4)
    cfg["gan"]["kind"] = "esrgan"
    cfg["esrgan"] = cfg.pop("srgan")
    train(cfg, out=tmp_path / "run")
    last = json.loads((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()[-1])
    assert last["perceptual"] > 0 and "d_loss" in last
    cfg["esrgan"]["perceptual"] = str(tmp_path / "missing.pt")
    with pytest.raises(ConfigError, match="no such file"):
        train(cfg, out=tmp_path / "other")


def test_preview_shows_input_output_target_rows(photos, tmp_path):
    train(sr_config(photos, steps=2), out=tmp_path / "run")
    gan, cfg = load_run(tmp_path / "run")
    preview = gan.preview(n=3, data=load_data(cfg))
    assert preview.columns == 3 and preview.samples.shape == (9, 3, 16, 16)
    data = load_data(cfg)
    inputs, target = data.fixed(3)
    assert torch.equal(preview.samples[2], target[0])  # the target, as is
    picture = Image.open(tmp_path / "run" / "samples" / "step_0000002.png")
    from ganforge.plots import MIN_TILE

    tile = max(16, MIN_TILE)
    assert picture.width == 3 * (tile + 2) + 2  # rows of three: input | output | target


@pytest.mark.parametrize("setting, message", [
    ("srgan.scale=5", "srgan.scale must be 2, 3 or 4"),
    ("srgan.crop=15", "must be a multiple of srgan.scale"),
    ("srgan.generator=unet", "srgan.generator must be srresnet or rrdb"),
    ("srgan.receptive_field=50", "srgan.receptive_field must be one of"),
    ("srgan.perceptual_weight=1", "needs srgan.perceptual"),
    ("data.image_size=32", "data.image_size does not apply"),
])
def test_config_errors_name_the_key(photos, tmp_path, capsys, setting, message):
    import yaml

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(sr_config(photos)))
    assert main(["train", str(path), "--set", setting, "--out", str(tmp_path / "r")]) == 2
    assert message in capsys.readouterr().err


def test_pix2pix_preset_needs_a_source_and_trains_on_pairs(tmp_path, capsys):
    assert main(["train", "pix2pix", "--out", str(tmp_path / "r")]) == 2
    assert "set data.source=DIR" in capsys.readouterr().err
    rng = np.random.default_rng(1)
    for i in range(2):
        Image.fromarray((rng.random((16, 32, 3)) * 255).astype(np.uint8)).save(tmp_path / f"pair{i}.png")
    assert main(["train", "pix2pix", "--set", f"data.source={tmp_path}", "--set", "pix2pix.crop=16",
                 "--set", "pix2pix.depth=3", "--set", "pix2pix.receptive_field=16", "--set", "model.width=4",
                 "--set", "train.steps=2", "--set", "train.batch_size=2", "--out", str(tmp_path / "run"), "-q"]) == 0
    gan, cfg = load_run(tmp_path / "run")
    assert cfg.gan.kind == "pix2pix" and gan.conditional and gan.reconstruction_weight == 100
