"""``ganforge translate`` / ``upscale`` / ``evaluate --pairs`` end to end on tiny folders, and the Python use."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from PIL import Image

from ganforge.cli import main
from ganforge.experiment import load_run


def folder(path, sizes, seed=0):
    path.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i, (h, w) in enumerate(sizes):
        Image.fromarray((rng.random((h, w, 3)) * 255).astype(np.uint8)).save(path / f"im{i}.png")
    return path


def trained(tmp_path, kind, source, **section):
    cfg = {"name": kind, "data": {"source": str(source)}, "model": {"width": 4}, "gan": {"kind": kind}, kind: section,
           "train": {"steps": 2, "batch_size": 2, "progress": False, "tensorboard": False, "checkpoint_every": 2}}
    path = tmp_path / f"{kind}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["train", str(path), "--out", str(tmp_path / kind), "-q"]) == 0
    return tmp_path / kind


def test_upscale_a_folder_in_tiles_and_evaluate_on_pairs(tmp_path, capsys):
    photos = folder(tmp_path / "hr", [(24, 32), (30, 26)])
    run = trained(tmp_path, "srgan", photos, crop=16, scale=2, blocks=1, receptive_field=16, pretrain_steps=1)
    small = folder(tmp_path / "lr", [(37, 53)], seed=1)
    assert main(["upscale", str(run), str(small), "--out", str(tmp_path / "up"), "--tile", "40"]) == 0
    assert Image.open(tmp_path / "up" / "im0.png").size == (106, 74)
    manifest = json.loads((tmp_path / "up" / "translations.json").read_text())
    assert manifest["files"] == ["im0.png"] and manifest["scale"] == 2
    # whole image vs tiles: the same picture (the network sees less than the tiles' margin)
    gan, _ = load_run(run)
    image = np.array(Image.open(small / "im0.png"))
    whole = gan.upscale(image, tile=512)
    diff = np.abs(whole.astype(int) - np.array(Image.open(tmp_path / "up" / "im0.png")).astype(int))
    assert diff.max() <= 1 and diff.mean() < 0.01  # equal up to a rare rounding of x.5 levels
    # a second run into its own output is fine; into a foreign folder is refused
    assert main(["upscale", str(run), str(small / "im0.png"), "--out", str(tmp_path / "up")]) == 0
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    capsys.readouterr()
    assert main(["upscale", str(run), str(small), "--out", str(tmp_path / "mine")]) == 2
    assert "not recognisably" in capsys.readouterr().err
    assert main(["evaluate", str(run), "--pairs", str(photos)]) == 0
    out = capsys.readouterr().out
    assert "bicubic" in out and "psnr_y" in out
    records = [json.loads(line) for line in (run / "evaluation.jsonl").read_text().splitlines()]
    assert {r["method"] for r in records} == {"model", "bicubic"} and records[0]["crop_border"] == 2


def test_translate_colourises_grey_and_colour_images(tmp_path, capsys):
    photos = folder(tmp_path / "photos", [(16, 16), (20, 24)])
    run = trained(tmp_path, "colorize", photos, crop=16, depth=3, receptive_field=16)
    grey = tmp_path / "grey"
    grey.mkdir()
    Image.fromarray(np.full((20, 28), 128, np.uint8)).save(grey / "g.png")
    assert main(["translate", str(run), str(grey), "--out", str(tmp_path / "out"), "--tile", "16", "--overlap", "8"]) == 0
    result = Image.open(tmp_path / "out" / "g.png")
    assert result.mode == "RGB" and result.size == (28, 20)
    assert main(["upscale", str(run), str(grey), "--out", str(tmp_path / "o2")]) == 2
    assert "scale 1" in capsys.readouterr().err
    assert main(["translate", str(run), str(tmp_path / "nothing"), "--out", str(tmp_path / "o3")]) == 2
    assert "no such image or folder" in capsys.readouterr().err
    assert main(["evaluate", str(run), "--pairs", str(photos)]) == 0
    assert "colourfulness_ratio" in capsys.readouterr().out


def test_pix2pix_from_grey_labels_to_colour_evaluates_on_pairs_and_refuses_other_channels(tmp_path, capsys):
    rng = np.random.default_rng(2)
    for side, channels in (("A", 1), ("B", 3)):
        (tmp_path / "pairs" / side).mkdir(parents=True)
        for i in range(2):
            shape = (16, 24) if channels == 1 else (16, 24, 3)
            Image.fromarray((rng.random(shape) * 255).astype(np.uint8)).save(tmp_path / "pairs" / side / f"{i}.png")
    run = trained(tmp_path, "pix2pix", tmp_path / "pairs", crop=16, depth=3, receptive_field=16)
    gan, _ = load_run(run)
    assert gan.channels == (1, 3)
    assert gan.translate(np.zeros((20, 30), np.uint8)).shape == (20, 30, 3)  # any size, grey in, colour out
    assert main(["evaluate", str(run), "--pairs", str(tmp_path / "pairs")]) == 0
    assert "psnr_y" in capsys.readouterr().out
    colour = tmp_path / "colour"
    for side in ("A", "B"):
        (colour / side).mkdir(parents=True)
        Image.fromarray((rng.random((16, 16, 3)) * 255).astype(np.uint8)).save(colour / side / "0.png")
    assert main(["evaluate", str(run), "--pairs", str(colour)]) == 2
    assert "pairs of 3 -> 3 channels" in capsys.readouterr().err
