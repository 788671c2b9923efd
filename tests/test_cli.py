"""`ganforge` end to end on a tiny config: train, resume, sample, presets, and errors."""

import numpy as np
import pytest
import yaml
from PIL import Image

from ganforge.cli import main
from conftest import tiny_image_config


@pytest.fixture
def tiny_yaml(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_image_config(ema=0.9)))
    return path


def test_train_resume_and_sample(tmp_path, tiny_yaml, capsys):
    run = tmp_path / "run"
    assert main(["train", str(tiny_yaml), "--out", str(run), "--set", "train.steps=4"]) == 0
    assert f"run folder: {run}" in capsys.readouterr().out
    assert (run / "checkpoints" / "last.pt").is_file()
    assert yaml.safe_load((run / "config.yaml").read_text())["train"]["steps"] == 4

    assert main(["train", "--resume", str(run), "--set", "train.steps=6"]) == 0
    from ganforge.training import load_checkpoint

    assert load_checkpoint(run / "checkpoints" / "last.pt")["step"] == 6

    assert main(["sample", str(run), "-n", "10", "--out", str(tmp_path / "s.npz")]) == 0
    images = np.load(tmp_path / "s.npz")["images"]
    assert images.shape == (10, 1, 8, 8) and images.dtype == np.uint8

    assert main(["sample", str(run), "-n", "3", "--out", str(tmp_path / "pngs")]) == 0
    pngs = sorted((tmp_path / "pngs").glob("sample_*.png"))
    assert len(pngs) == 3 and Image.open(pngs[0]).size == (8, 8)


def test_sample_is_reproducible_with_a_seed(tmp_path, tiny_yaml):
    run = tmp_path / "run"
    main(["train", str(tiny_yaml), "--out", str(run), "--set", "train.steps=2"])
    for name in ("a", "b"):
        main(["sample", str(run), "-n", "5", "--seed", "3", "--out", str(tmp_path / f"{name}.npz")])
    assert np.array_equal(np.load(tmp_path / "a.npz")["images"], np.load(tmp_path / "b.npz")["images"])


def test_presets_lists_one_line_each(capsys):
    from ganforge.presets import PRESETS

    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(PRESETS)
    assert lines[0].startswith("mnist") and "(default)" in lines[0]


@pytest.mark.parametrize("args, message", [
    (["--set", "train.stepz=3"], "unknown config key 'train.stepz'"),
    (["--set", "gan.loss=wasserstein"], "wasserstein needs a Lipschitz constraint"),
    (["--set", "data.source=/no/such/folder"], "/no/such/folder"),
    (["--set", "model.arch=mlp"], "model: "),
])
def test_bad_input_is_a_clear_error_and_leaves_no_run_folder(tmp_path, tiny_yaml, capsys, args, message):
    run = tmp_path / "run"
    assert main(["train", str(tiny_yaml), "--out", str(run), *args]) == 2
    err = capsys.readouterr().err
    assert "ganforge train: error:" in err and message in err
    assert not run.exists()


def test_unknown_preset_or_missing_file(tmp_path, capsys):
    assert main(["train", "no-such-preset", "--out", str(tmp_path / "r")]) == 2
    assert "neither a preset" in capsys.readouterr().err
    assert main(["train", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "r")]) == 2
    assert "config file not found" in capsys.readouterr().err


def test_existing_run_folder_is_not_overwritten(tmp_path, tiny_yaml, capsys):
    run = tmp_path / "run"
    main(["train", str(tiny_yaml), "--out", str(run), "--set", "train.steps=2"])
    before = (run / "checkpoints" / "last.pt").read_bytes()
    assert main(["train", str(tiny_yaml), "--out", str(run)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (run / "checkpoints" / "last.pt").read_bytes() == before


def test_resume_with_a_changed_config_lists_the_keys(tmp_path, tiny_yaml, capsys):
    run = tmp_path / "run"
    main(["train", str(tiny_yaml), "--out", str(run), "--set", "train.steps=2"])
    assert main(["train", "--resume", str(run), "--set", "gan.loss=hinge", "--set", "train.lr_g=0.1"]) == 2
    err = capsys.readouterr().err
    assert "gan.loss: 'nonsaturating' -> 'hinge'" in err and "train.lr_g" in err


def test_sample_errors(tmp_path, capsys):
    assert main(["sample", str(tmp_path), "-n", "3", "--out", str(tmp_path / "x.npz")]) == 2
    assert "not a run folder" in capsys.readouterr().err
