"""Bad input through the command line: one line ``ganforge COMMAND: error: ...``, exit code 2, no traceback,
and no output left behind -- for each kind of bad table, image folder, array, label file, run and option."""

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from ganforge.cli import main
from conftest import tiny_image_config


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Every bad input, made once: tables, folders, arrays, a label file, a config, a small model."""
    d = tmp_path_factory.mktemp("inputs")
    pd.DataFrame({"a": [1.0], "b": ["x"]}).to_csv(d / "one.csv", index=False)
    for n in (2, 3):
        pd.DataFrame({"a": np.arange(n, dtype=float), "b": ["x", "y", "x"][:n]}).to_csv(d / f"rows{n}.csv", index=False)
    pd.DataFrame({"a": [1.0] * 40, "b": ["x"] * 40}).to_csv(d / "constant.csv", index=False)
    pd.DataFrame({"a": [1.0, 2.0], "c": ["x", "y"]}).to_csv(d / "other.csv", index=False)
    pd.DataFrame({"a": [np.nan] * 20, "b": range(20)}).to_csv(d / "nan_column.csv", index=False)
    (d / "header.csv").write_text("a,b\n")
    (d / "empty").mkdir()
    (d / "text").mkdir()
    (d / "text" / "notes.txt").write_text("not an image")
    (d / "corrupt").mkdir()
    (d / "corrupt" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\ntruncated")
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(d / "corrupt" / "b.png")
    x = np.random.default_rng(0).random((20, 2)).astype(np.float32)
    x[3, 1] = np.nan
    np.save(d / "nan.npy", x)
    np.save(d / "images.npy", np.random.default_rng(0).random((20, 1, 8, 8)).astype(np.float32))
    np.savetxt(d / "labels.txt", np.arange(7) % 2, fmt="%d")
    (d / "tiny.yaml").write_text(yaml.safe_dump(tiny_image_config()))
    assert main(["tabular", "fit", str(d / "rows3.csv"), "--out", str(d / "model"), "--epochs", "1", "-q"]) == 0
    return d


def _train(source, *more):
    return ["train", "{d}/tiny.yaml", "--set", f"data.source={source}", "--set", "train.steps=1", "--out", "out", *more]


CASES = {  # name: (argv with {d} for the inputs' folder, the message's telling part); the output is always "out*"
    "table of one row": (["tabular", "fit", "{d}/one.csv", "--out", "out"], "1 row; at least 2"),
    "table of a header only": (["tabular", "fit", "{d}/header.csv", "--out", "out"], "header but no rows"),
    "column entirely missing": (["tabular", "fit", "{d}/nan_column.csv", "--out", "out"], "'a' is entirely missing"),
    "batch of one row": (["tabular", "fit", "{d}/rows3.csv", "--out", "out", "--batch-size", "1"],
                         "batch_size must be at least 2"),
    "batch larger than the data": (_train("digits", "--set", "train.batch_size=5000"), "too few for batches of 5000"),
    "no such data folder": (_train("{d}/nothere"), "nothere"),
    "empty image folder": (_train("{d}/empty"), "no images found in"),
    "folder of non-images": (_train("{d}/text"), "no images found in"),
    "corrupt PNG": (_train("{d}/corrupt"), "cannot read image"),
    "NaN in an array": (_train("{d}/nan.npy", "--set", "model.arch=mlp"), "NaN"),
    "label file of the wrong length": (_train("{d}/images.npy", "--set", "data.labels={d}/labels.txt",
                                              "--set", "gan.kind=cgan"), "7 labels for 20 images"),
    "sample from a folder that is no run": (["sample", "{d}/empty", "--out", "out.npz"], "not a run folder"),
    "evaluate a missing run": (["evaluate", "{d}/norun", "--out", "out.jsonl"], "not found"),
    "condition on an unknown column": (["tabular", "sample", "{d}/model", "-n", "3", "--out", "out.csv",
                                        "--condition", "zz=1"], "unknown column 'zz'"),
    "condition on an unknown value": (["tabular", "sample", "{d}/model", "-n", "3", "--out", "out.csv",
                                       "--condition", "b=q"], "'q' was never seen"),
    "report on mismatched columns": (["tabular", "report", "{d}/rows2.csv", "{d}/other.csv", "--out", "out"],
                                     "missing from synthetic: 'b'"),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_one_line_and_exit_2(name, inputs, tmp_path, monkeypatch, capsys):
    argv, message = CASES[name]
    argv = [a.replace("{d}", str(inputs)) for a in argv]
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    command = "ganforge " + " ".join(argv[:2] if argv[0] == "tabular" else argv[:1])
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{command}: error: ") and "Traceback" not in err, err
    assert message in lines[0], err
    assert not list(tmp_path.iterdir()), "an output was left behind"


@pytest.mark.parametrize("table", ["rows2.csv", "rows3.csv", "constant.csv"])
def test_tiny_and_constant_tables_train(table, inputs, tmp_path):
    assert main(["tabular", "fit", str(inputs / table), "--out", str(tmp_path / "m"), "--epochs", "1", "-q"]) == 0
    assert main(["tabular", "sample", str(tmp_path / "m"), "-n", "4", "--out", str(tmp_path / "s.csv"), "-q"]) == 0
    assert len(pd.read_csv(tmp_path / "s.csv")) == 4
