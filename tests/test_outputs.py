"""The one rule of every ``--out``: an existing output is replaced only when ganforge recognises it as its own
or with ``--overwrite``; an output that is also an input is always refused (``ganforge.io.check_output``)."""

import json

import numpy as np
import pandas as pd
import pytest

from ganforge.cli import main
from ganforge.errors import OutputError
from ganforge.io import check_output


def refused(capsys, argv, path, way_out="--overwrite"):
    """The command fails with one line naming ``path`` and the way out."""
    assert main(argv) == 2, argv
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and way_out in err[0], err


def test_check_output_rule(tmp_path):
    mine = tmp_path / "mine.txt"
    mine.write_text("the user's")
    assert check_output(tmp_path / "new.csv") == tmp_path / "new.csv"
    (tmp_path / "empty").mkdir()
    assert check_output(tmp_path / "empty", folder=True) == tmp_path / "empty"
    with pytest.raises(OutputError, match=f"{mine} already exists .* pass --overwrite to replace it, or choose"):
        check_output(mine)
    with pytest.raises(OutputError, match="choose another path or remove it yourself"):
        check_output(mine, overwrite=None)  # a command without --overwrite
    assert check_output(mine, overwrite=True) == mine
    assert check_output(mine, own=lambda p: p.read_text() == "the user's") == mine
    with pytest.raises(OutputError, match="is also an input"):
        check_output(mine, overwrite=True, inputs=[None, tmp_path / "." / "mine.txt"])
    with pytest.raises(OutputError, match="is not a folder"):
        check_output(mine, overwrite=True, folder=True)
    with pytest.raises(OutputError, match="is a folder"):
        check_output(tmp_path / "empty", overwrite=True)
    assert mine.read_text() == "the user's"


@pytest.fixture(scope="module")
def run(tiny_image_run):
    return tiny_image_run


def test_sample_npz(run, tmp_path, capsys):
    npz = tmp_path / "s.npz"
    npz.write_bytes(b"the user's")
    refused(capsys, ["sample", str(run), "-n", "3", "--out", str(npz)], npz)
    assert npz.read_bytes() == b"the user's"
    assert main(["sample", str(run), "-n", "3", "--out", str(npz), "--overwrite", "-q"]) == 0
    assert main(["sample", str(run), "-n", "4", "--out", str(npz), "-q"]) == 0  # its own: replaced
    with np.load(npz) as z:
        assert z.files == ["images"] and len(z["images"]) == 4


def test_sample_folder(run, tmp_path, capsys):
    folder = tmp_path / "pngs"
    assert main(["sample", str(run), "-n", "12", "--out", str(folder), "-q"]) == 0
    assert json.loads((folder / "samples.json").read_text())["complete"] is True
    assert main(["sample", str(run), "-n", "3", "--out", str(folder), "-q"]) == 0  # its own: rewritten
    assert sorted(p.name for p in folder.glob("sample_*.png")) == [f"sample_0000{i}.png" for i in range(3)]
    from ganforge.data import load_dataset

    assert (folder / "overview.png").is_file() and len(load_dataset(str(folder))) == 3  # the samples, not the overview

    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "sample_00000.png").write_bytes(b"the user's")
    (theirs / "thesis.tex").write_text("x")
    refused(capsys, ["sample", str(run), "-n", "2", "--out", str(theirs)], theirs)
    assert (theirs / "sample_00000.png").read_bytes() == b"the user's"
    assert main(["sample", str(run), "-n", "2", "--out", str(theirs), "--overwrite", "-q"]) == 0
    assert (theirs / "thesis.tex").read_text() == "x" and (theirs / "sample_00001.png").is_file()
    refused(capsys, ["sample", str(run), "-n", "2", "--out", str(run), "--overwrite"], run, "another path")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tab")
    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.normal(size=120), "b": rng.choice(["x", "y"], 120)}).to_csv(folder / "t.csv", index=False)
    assert main(["tabular", "fit", str(folder / "t.csv"), "--out", str(folder / "m"), "--epochs", "1", "-q",
                 "--device", "cpu", "--precision", "fp32"]) == 0
    return folder / "m"


def test_a_folder_of_points_loads_as_its_samples(tmp_path):
    from ganforge.data import load_dataset

    run = tmp_path / "ring"
    assert main(["train", "ring8", "--set", "train.steps=2", "--out", str(run), "-q"]) == 0
    assert main(["sample", str(run), "-n", "50", "--out", str(tmp_path / "points"), "-q"]) == 0
    points = load_dataset(str(tmp_path / "points"))
    assert points.modality == "vector" and points.data.shape == (50, 2)  # samples.npy, not overview.png


def test_tabular_sample(model, tmp_path, capsys):
    out = tmp_path / "syn.csv"
    out.write_text("the user's")
    refused(capsys, ["tabular", "sample", str(model), "-n", "5", "--out", str(out)], out)
    assert out.read_text() == "the user's"
    assert main(["tabular", "sample", str(model), "-n", "5", "--out", str(out), "--overwrite", "-q"]) == 0
    assert len(pd.read_csv(out)) == 5


def test_tabular_report(model, tmp_path, capsys):
    table = model.parent / "t.csv"
    args = ["tabular", "report", str(table), str(table), "--detection-model", "logistic", "-q", "--out", str(tmp_path)]
    (tmp_path / "report.json").write_text("{}")
    refused(capsys, args, tmp_path / "report.json")
    assert (tmp_path / "report.json").read_text() == "{}"
    assert main([*args, "--overwrite"]) == 0
    assert main(args) == 0  # its own report: replaced
    (tmp_path / "report.html").write_text("<html>the user's</html>")
    refused(capsys, args, tmp_path / "report.html")


def test_evaluate_appends_only_to_results(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for name in ("real", "fake"):
        np.save(tmp_path / f"{name}.npy", rng.normal(size=(50, 2)).astype(np.float32))
    args = ["evaluate", "--real", str(tmp_path / "real.npy"), "--fake", str(tmp_path / "fake.npy"), "--metrics", "pr",
            "--features", "identity", "-q", "--out"]
    notes = tmp_path / "notes.txt"
    notes.write_text("the user's\n")
    refused(capsys, [*args, str(notes)], notes, "another path")
    refused(capsys, [*args, str(tmp_path / "fake.npy")], tmp_path / "fake.npy", "another path")
    assert notes.read_text() == "the user's\n"
    for _ in range(2):
        assert main([*args, str(tmp_path / "r.jsonl")]) == 0
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 2


def test_features_train_overwrite_and_input(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", images=rng.integers(0, 255, (40, 1, 8, 8), dtype=np.uint8),
             labels=np.arange(40) % 2)
    args = ["features", "train", str(tmp_path / "d.npz"), "--steps", "1", "--size", "8", "--batch-size", "8", "--out"]
    refused(capsys, [*args, str(tmp_path / "d.npz"), "--overwrite"], tmp_path / "d.npz", "another path")
    (tmp_path / "x.pt").write_text("the user's")
    assert main([*args, str(tmp_path / "x.pt"), "--overwrite"]) == 0
    assert (tmp_path / "x.pt").read_bytes() != b"the user's"


def test_augment_table_never_replaces(tmp_path, capsys):
    data = tmp_path / "d.csv"
    pd.DataFrame({"a": range(20), "label": ["p"] * 15 + ["q"] * 5}).to_csv(data, index=False)
    args = ["augment", str(data), "--target", "label", "--balance", "--out"]
    refused(capsys, [*args, str(data)], data, "another path")
    (tmp_path / "o.csv.manifest.json").write_text("the user's")
    refused(capsys, [*args, str(tmp_path / "o.csv")], tmp_path / "o.csv.manifest.json", "another path")
    assert not (tmp_path / "o.csv").exists() and (tmp_path / "o.csv.manifest.json").read_text() == "the user's"
