"""`ganforge` end to end on a tiny config: train, resume, sample, presets, and errors."""

import errno
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

import ganforge
from ganforge.cli import _commands, _os_error_message, build_parser, main
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
    (["--time-budget", "soon"], "cannot read the train.time_budget 'soon'"),
    (["--set", "train.time_budget=0"], "train.time_budget must be a positive duration"),
])
def test_bad_input_is_a_clear_error_and_leaves_no_run_folder(tmp_path, tiny_yaml, capsys, args, message):
    run = tmp_path / "run"
    assert main(["train", str(tiny_yaml), "--out", str(run), *args]) == 2
    err = capsys.readouterr().err
    assert "ganforge train: error:" in err and message in err
    assert not run.exists()


def test_time_budget_flag_is_stored_in_seconds(tmp_path, tiny_yaml):
    run = tmp_path / "run"
    assert main(["train", str(tiny_yaml), "--out", str(run), "--time-budget", "1h30m", "--set", "train.steps=2"]) == 0
    import yaml
    assert yaml.safe_load((run / "config.yaml").read_text())["train"]["time_budget"] == 5400.0


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


# -- command-line conventions ----------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def python(code: str, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_help_and_version_import_no_torch():
    """The parser is built (and --help answered) before anything heavy is imported."""
    heavy = "sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'numpy', 'pandas', 'sklearn', 'scipy'})"
    done = python(f"import sys\nfrom ganforge.cli import build_parser\nbuild_parser()\nprint({heavy})")
    assert done.stdout.strip() == "[]", done.stderr
    for argv in (["--help"], ["tabular", "fit", "--help"], ["augment", "--help"], ["evaluate", "--help"]):
        done = python(f"import sys\nfrom ganforge.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n"
                      f"    pass\nprint({heavy}, file=sys.stderr)")
        assert "usage: ganforge" in done.stdout and done.stderr.strip() == "[]", (argv, done.stderr)
    done = subprocess.run([sys.executable, "-m", "ganforge", "--version"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"ganforge {ganforge.__version__}"


def test_every_command_takes_quiet_and_verbose_and_knows_its_full_name():
    commands = _commands(build_parser())
    names = {p.prog for p in commands}
    assert {"ganforge train", "ganforge sample", "ganforge evaluate", "ganforge augment", "ganforge tabular fit",
            "ganforge tabular sample", "ganforge tabular report", "ganforge presets"} <= names
    for p in commands:
        options = {s for a in p._actions for s in a.option_strings}
        assert {"-q", "--quiet", "-v", "--verbose"} <= options, p.prog
        assert p.get_default("command_name") == p.prog


def one_line_error(capsys, prefix: str) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("warning:")]
    assert len(lines) == 1 and lines[0].startswith(f"{prefix}: error: "), err
    return lines[0]


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("cgan") / "run"
    cfg = tiny_image_config()
    cfg["gan"]["kind"] = "cgan"
    path = run.parent / "cgan.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["train", str(path), "--out", str(run), "--set", "train.steps=2", "-q"]) == 0
    return run


@pytest.fixture(scope="module")
def points_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("points") / "run"
    assert main(["train", "ring8", "--out", str(run), "-q", "--set", "train.steps=2", "--set", "data.n=256",
                 "--set", "train.batch_size=32", "--set", "train.tensorboard=false", "--set", "train.log_every=1",
                 "--set", "train.sample_every=2", "--set", "train.checkpoint_every=2", "--set", "model.width=8"]) == 0
    return run


def test_expected_failures_are_one_line_and_exit_2(tmp_path, tiny_image_run, capsys, monkeypatch):
    """Each command's expected failures: one line naming the command, exit code 2, no traceback, no file '-'."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("x")
    cases = [
        (["train", "digits", "--out", "r", "--set", "train.batch_size=5000", "--set", "train.steps=2"],
         "ganforge train", "1797 samples: too few for batches of 5000"),
        (["train", "--out", "-"], "ganforge train", "--out - (standard output)"),
        (["sample", str(tiny_image_run), "--out", "-"], "ganforge sample", "this run makes images"),
        (["sample", str(tiny_image_run), "-n", "0", "--out", "s.npz"], "ganforge sample", "-n must be >= 1"),
        (["sample", str(tiny_image_run), "--labels", "3", "--out", "s.npz"], "ganforge sample", "class-conditional"),
        (["sample", str(tiny_image_run), "--out", "file.txt/s.npz"], "ganforge sample", "file.txt"),
        (["evaluate", "--real", "no.npy", "--fake", "no.npy"], "ganforge evaluate", "no.npy"),
        (["tabular", "fit", "no.csv", "--out", "m"], "ganforge tabular fit", "no.csv"),
        (["tabular", "fit", "no.csv", "--out", "-"], "ganforge tabular fit", "--out - (standard output)"),
        (["tabular", "sample", "nomodel", "-n", "3", "--out", "-"], "ganforge tabular sample", "nomodel"),
        (["tabular", "report", "no.csv", "no.csv"], "ganforge tabular report", "no.csv"),
        (["augment", "nodata", "--out", "a", "--balance"], "ganforge augment", "nodata"),
    ]
    for argv, prefix, message in cases:
        assert main(argv) == 2, argv
        assert message in one_line_error(capsys, prefix), argv
    assert not (tmp_path / "-").exists() and not (tmp_path / "r").exists()


def test_verbose_adds_the_traceback(tmp_path, capsys):
    assert main(["tabular", "fit", str(tmp_path / "no.csv"), "--out", str(tmp_path / "m"), "-v"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().splitlines()[-1].startswith("ganforge tabular fit: error: ")


def test_os_errors_the_user_can_fix_are_one_line_and_bugs_are_not():
    assert _os_error_message(FileNotFoundError(errno.ENOENT, "No such file or directory", "in.csv")) == \
        "in.csv: No such file or directory"
    full = _os_error_message(OSError(errno.ENOSPC, "No space left on device", "/data/out.npz"))
    assert full.startswith("/data/out.npz: ") and "disk is full" in full
    assert _os_error_message(OSError(errno.EIO, "Input/output error")) is None
    assert _os_error_message(OSError("not a system error")) is None


def test_quiet_prints_results_only(tiny_image_run, tmp_path, capsys):
    assert main(["sample", str(tiny_image_run), "-n", "2", "--out", str(tmp_path / "s.npz"), "-q"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["sample", str(tiny_image_run), "-n", "2", "--out", str(tmp_path / "t.npz")]) == 0
    assert "wrote 2 samples" in capsys.readouterr().out


def test_points_to_standard_output_as_csv(points_run, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["sample", str(points_run), "-n", "5", "--out", "-"]) == 0
    captured = capsys.readouterr()
    rows = captured.out.strip().splitlines()
    assert rows[0] == "x0,x1" and len(rows) == 6 and all(len(r.split(",")) == 2 for r in rows[1:])
    assert "wrote 5 samples to standard output" in captured.err  # info lines never mix with the data
    assert not (tmp_path / "-").exists()
    assert main(["sample", str(points_run), "-n", "5", "--out", "pts"]) == 0
    saved = np.load(tmp_path / "pts" / "samples.npy")
    assert saved.shape == (5, 2) and np.allclose(saved, np.loadtxt(rows[1:], delimiter=","), atol=1e-6)


def test_samples_stream_in_chunks(tiny_image_run, tmp_path, monkeypatch):
    """Memory does not grow with -n: the GAN is asked for at most CHUNK samples at a time, and the
    .npz and the PNG folder hold the same images."""
    import ganforge.runs.samples
    from ganforge.gans import GAN

    asked = []
    original = GAN.sample
    monkeypatch.setattr(ganforge.runs.samples, "CHUNK", 4)
    monkeypatch.setattr(GAN, "sample", lambda self, n, **kw: asked.append(n) or original(self, n, **kw))
    assert main(["sample", str(tiny_image_run), "-n", "10", "--out", str(tmp_path / "s.npz")]) == 0
    assert asked == [4, 4, 2]
    with np.load(tmp_path / "s.npz") as z:
        assert sorted(z.files) == ["images"]
        images = z["images"]
    assert images.shape == (10, 1, 8, 8) and images.dtype == np.uint8
    assert main(["sample", str(tiny_image_run), "-n", "10", "--out", str(tmp_path / "pngs")]) == 0
    pngs = sorted((tmp_path / "pngs").glob("sample_*.png"))
    assert len(pngs) == 10 and (tmp_path / "pngs" / "overview.png").is_file()
    assert all((np.asarray(Image.open(p)) == images[i, 0]).all() for i, p in enumerate(pngs))


def test_conditional_sample_takes_labels_and_stores_them(conditional_run, tmp_path, capsys, monkeypatch):
    import ganforge.runs.samples

    monkeypatch.setattr(ganforge.runs.samples, "CHUNK", 4)
    expected = {"3": [3] * 7, "0,1,2": [0, 1, 2, 0, 1, 2, 0], "balanced": [0, 1, 2, 4, 5, 7, 8]}
    for spec, labels in expected.items():
        out = tmp_path / f"{spec}.npz"
        assert main(["sample", str(conditional_run), "-n", "7", "--labels", spec, "--out", str(out)]) == 0
        with np.load(out) as z:
            assert z["labels"].tolist() == labels and z["images"].shape == (7, 1, 8, 8)
    with np.load(tmp_path / "balanced.npz") as z:
        balanced = z["labels"].tolist()
    assert main(["sample", str(conditional_run), "-n", "7", "--out", str(tmp_path / "default.npz")]) == 0
    with np.load(tmp_path / "default.npz") as z:
        assert z["labels"].tolist() == balanced  # balanced is the default
    assert main(["sample", str(conditional_run), "-n", "5", "--labels", "1,2", "--out", str(tmp_path / "pngs")]) == 0
    rows = (tmp_path / "pngs" / "labels.csv").read_text().splitlines()
    assert rows == ["file,label"] + [f"sample_{i:05d}.png,{y}" for i, y in enumerate([1, 2, 1, 2, 1])]
    capsys.readouterr()
    assert main(["sample", str(conditional_run), "--labels", "10", "--out", str(tmp_path / "x.npz")]) == 2
    assert "class 10 is not in 0..9" in one_line_error(capsys, "ganforge sample")
    assert main(["sample", str(conditional_run), "--labels", "a,b", "--out", str(tmp_path / "x.npz")]) == 2
    assert "--labels expects" in one_line_error(capsys, "ganforge sample")
    assert not (tmp_path / "x.npz").exists()


def test_yaml_numbers_as_people_write_them(tmp_path, capsys):
    """`lr_g: 1e-4` in a YAML file and --set train.lr_d=1e-4 (PyYAML reads both as strings) train."""
    cfg = tiny_image_config()
    text = yaml.safe_dump(cfg).replace("train:\n", "train:\n  lr_g: 1e-4\n")
    path = tmp_path / "c.yaml"
    path.write_text(text)
    run = tmp_path / "run"
    assert main(["train", str(path), "--out", str(run), "--set", "train.lr_d=1e-4", "--set", "train.steps=1e0"]) == 0
    saved = yaml.safe_load((run / "config.yaml").read_text())["train"]
    assert saved["lr_g"] == 1e-4 and saved["lr_d"] == 1e-4 and saved["steps"] == 1


def test_evaluate_results_to_standard_output(tmp_path, capsys, monkeypatch):
    """evaluate --out -: the results as JSON lines on stdout, the table on stderr."""
    import json

    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    for name in ("real", "fake"):
        np.save(tmp_path / f"{name}.npy", rng.normal(size=(200, 2)).astype(np.float32))
    assert main(["evaluate", "--real", "real.npy", "--fake", "fake.npy", "--metrics", "pr", "--features", "identity",
                 "--out", "-"]) == 0
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["metric"] for r in records] == ["pr"] and set(records[0]["values"]) == {"precision", "recall"}
    assert "precision" in captured.err and not (tmp_path / "-").exists()
