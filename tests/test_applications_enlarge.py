"""`ganforge augment` end to end on tiny data sets, label files, and the errors that must leave no output."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.applications import enlarge as aug
from ganforge.applications import gate
from ganforge.cli import main
from ganforge.data import DataError, load_dataset, read_label_file

TINY = ["--set", "train.steps=4", "--set", "train.batch_size=8", "--set", "train.progress=false",
        "--set", "train.tensorboard=false", "--set", "model.width=8", "--set", "train.sample_every=4",
        "--set", "train.checkpoint_every=4"]
COUNTS = {"cat": 8, "dog": 4, "emu": 3}


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.fixture
def folder(tmp_path, digits):
    """8x8 digits as a folder with one sub-folder per class, unbalanced: 8, 4 and 3 images."""
    root = tmp_path / "animals"
    for c, (name, n) in enumerate(COUNTS.items()):
        (root / name).mkdir(parents=True)
        for i in torch.nonzero(digits.labels == c).flatten()[:n].tolist():
            Image.fromarray(digits.data[i, 0].numpy()).save(root / name / f"img{i}.png")
    return root


def rows(manifest: Path) -> list[dict]:
    with manifest.open() as fh:
        return list(csv.DictReader(fh))


def no_leftovers(parent: Path, name: str) -> bool:
    return not any(p.name == name or p.name.startswith(f".{name}.") for p in parent.iterdir())


@pytest.fixture
def quick_judge(monkeypatch):
    """The sample filter's classifier trained 5 steps, not 100: these tests check counts and files, not what it keeps."""
    from test_applications_gate import gate_judge

    monkeypatch.setattr(gate, "train_judge", gate_judge)


def test_cgan_balances_a_class_folder_and_a_run_can_be_reused(tmp_path, folder, capsys, quick_judge):
    out, run = tmp_path / "balanced", tmp_path / "run"
    # the held-out check and the sample filter are test_applications_gate's subject: off here (they train two
    # classifiers, most of this test's time)
    assert main(["augment", str(folder), "--out", str(out), "--balance", "--train-out", str(run), *TINY,
                 "--validation", "0", "--no-filter", "--time-budget", "1h"]) == 0
    said = capsys.readouterr().out
    assert "wrote" in said and "training a cgan (digits-cgan) for 4 steps or 1h00m, whichever comes first" in said
    for name in COUNTS:
        assert len(list((out / name).glob("*.png"))) == 8
    table = rows(out / "manifest.csv")
    assert len(table) == 24 and sum(r["synthetic"] == "1" for r in table) == 4 + 5
    for r in table:
        assert r["file"].split("/")[0] == r["class"]
        if r["synthetic"] == "0":  # real images are written unchanged and name their source
            assert r["source"] == r["file"]
            assert np.array_equal(np.array(Image.open(out / r["file"])), np.array(Image.open(folder / r["source"])))
    summary = json.loads((out / "manifest.json").read_text())
    assert summary["method"] == "cgan" and summary["run"] == str(run)
    assert [(c["name"], c["real"], c["synthetic"]) for c in summary["classes"]] == [("cat", 8, 0), ("dog", 4, 4),
                                                                                  ("emu", 3, 5)]
    assert json.loads((run / "classes.json").read_text())["classes"] == ["cat", "dog", "emu"]
    import yaml

    cfg = yaml.safe_load((run / "config.yaml").read_text())  # rare classes: balanced batches, mode seeking
    assert cfg["train"]["class_balanced"] is True and cfg["gan"]["mode_seeking"] == 1.0

    # Reuse the trained run, enlarge every class to 10, write arrays.
    out2 = tmp_path / "enlarged"
    assert main(["augment", str(folder), "--out", str(out2), "--per-class", "10", "--run", str(run),
                 "--format", "npz"]) == 0
    with np.load(out2 / "data.npz") as npz:
        images, labels, synthetic = npz["images"], npz["labels"], npz["synthetic"]
    assert images.shape == (30, 1, 8, 8) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [10, 10, 10]
    assert np.bincount(labels[synthetic]).tolist() == [2, 6, 7]
    assert not list(tmp_path.glob("runs"))  # nothing trained
    assert main(["augment", str(folder), "--out", str(tmp_path / "x"), "--balance", "--run", str(run), *TINY]) == 2
    assert "do not apply with --run" in capsys.readouterr().err


def test_dagan_varies_real_images_of_the_same_class(tmp_path, folder):
    out = tmp_path / "varied"
    assert main(["augment", str(folder), "--out", str(out), "--per-class", "9", "--method", "dagan",
                 "--train-out", str(tmp_path / "run"), "--no-filter", *TINY]) == 0
    table = rows(out / "manifest.csv")
    synthetic = [r for r in table if r["synthetic"] == "1"]
    assert len(synthetic) == 1 + 5 + 6
    real = {r["file"]: r for r in table if r["synthetic"] == "0"}
    for r in synthetic:
        assert real[r["source"]]["class"] == r["class"]  # varied from a real image of its own class
    emu_sources = [r["source"] for r in synthetic if r["class"] == "emu"]
    assert sorted(set(emu_sources)) == sorted(f for f in real if f.startswith("emu/"))  # each used in turn
    assert all(emu_sources.count(s) == 2 for s in set(emu_sources))
    import yaml

    cfg = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert cfg["train"]["class_balanced"] is True and cfg["gan"]["mode_seeking"] == 0.0  # DAGAN: no label pairs


def test_a_dagan_trained_on_one_data_set_varies_another_with_other_classes(tmp_path, folder, digits):
    run = tmp_path / "run"
    assert main(["augment", str(folder), "--out", str(tmp_path / "a"), "--per-class", "9", "--method", "dagan",
                 "--train-out", str(run), "--no-filter", *TINY]) == 0
    other = tmp_path / "other"  # other images, other class names and counts
    for name, idx in (("even", range(40, 46)), ("odd", range(50, 52))):
        (other / name).mkdir(parents=True)
        for i in idx:
            Image.fromarray(digits.data[i, 0].numpy()).save(other / name / f"{i}.png")
    out = tmp_path / "b"
    assert main(["augment", str(other), "--out", str(out), "--balance", "--method", "dagan", "--run", str(run),
                 "--no-filter"]) == 0
    table = rows(out / "manifest.csv")
    synthetic = [r for r in table if r["synthetic"] == "1"]
    assert [r["class"] for r in synthetic] == ["odd"] * 4 and {r["source"].split("/")[0] for r in synthetic} == {"odd"}


def test_arrays_with_a_label_file(tmp_path, digits, quick_judge):
    np.save(tmp_path / "x.npy", digits.data[:30, 0].numpy())
    names = ["even" if int(y) % 2 == 0 else "odd" for y in digits.labels[:30]]
    (tmp_path / "y.txt").write_text("\n".join(names) + "\n")
    out = tmp_path / "out"
    assert main(["augment", str(tmp_path / "x.npy"), "--labels", str(tmp_path / "y.txt"), "--out", str(out),
                 "--per-class", "20", "--train-out", str(tmp_path / "run"), "--validation", "0", *TINY]) == 0
    with np.load(out / "data.npz") as npz:
        assert np.bincount(npz["labels"]).tolist() == [20, 20]
        assert np.array_equal(npz["images"][:30, 0], digits.data[:30, 0].numpy())
    table = rows(out / "manifest.csv")
    assert {r["class"] for r in table} == {"even", "odd"} and table[0]["source"] == "index 0"
    cfg = (tmp_path / "run" / "config.yaml").read_text()
    assert str(tmp_path / "y.txt") in cfg  # the run can be repeated: it names the label file


def test_a_flat_folder_with_a_csv_label_file(tmp_path, folder):
    flat = tmp_path / "flat"
    flat.mkdir()
    lines = ["file,label"]
    for p in sorted(folder.rglob("*.png")):
        (flat / f"{p.parent.name}_{p.name}").write_bytes(p.read_bytes())
        lines.append(f"{p.parent.name}_{p.name},{p.parent.name}")
    (tmp_path / "labels.csv").write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n")  # any row order
    data = aug.load_labelled(flat, tmp_path / "labels.csv")
    assert data.classes == ["cat", "dog", "emu"] and data.counts() == [8, 4, 3]
    for src, y in zip(data.sources, data.labels.tolist()):
        assert src.startswith(data.classes[y])


# -- errors: clear messages, exit code 2, no output folder and no temporary leftovers ---------------
def check_error(capsys, args, match, out, extra=TINY):
    assert main(["augment", *args, "--out", str(out), "--balance", *extra]) == 2
    err = capsys.readouterr().err
    assert "ganforge augment: error:" in err and match in err, err
    assert no_leftovers(out.parent, out.name)


def test_a_folder_with_one_class_is_an_error(tmp_path, folder, capsys):
    for name in ("dog", "emu"):
        for p in (folder / name).iterdir():
            p.unlink()
        (folder / name).rmdir()
    check_error(capsys, [str(folder)], "found one class folder ('cat', 8 images)", tmp_path / "out")


def test_an_unreadable_image_is_an_error_naming_it(tmp_path, folder, capsys):
    (folder / "dog" / "broken.png").write_bytes(b"this is not a png")
    check_error(capsys, [str(folder)], f"cannot read image {folder / 'dog' / 'broken.png'}", tmp_path / "out")


def test_images_outside_class_folders_need_a_label_file(tmp_path, folder, capsys):
    (folder / "stray.png").write_bytes((folder / "cat").glob("*.png").__next__().read_bytes())
    check_error(capsys, [str(folder)], "not all images are in class sub-folders (e.g. 'stray.png')", tmp_path / "out")


@pytest.mark.parametrize("content,match", [
    ("3\n" * 29, "29 labels for 30 images"),
    ("3\n" * 31, "31 labels for 30 images"),
    ("3\n\n4\n" + "3\n" * 27, "line 2: empty label"),
    ("-1\n" + "3\n" * 29, "labels must be non-negative"),
])
def test_a_label_file_that_does_not_match_the_images_is_an_error(tmp_path, digits, capsys, content, match):
    np.save(tmp_path / "x.npy", digits.data[:30, 0].numpy())
    (tmp_path / "y.txt").write_text(content)
    check_error(capsys, [str(tmp_path / "x.npy"), "--labels", str(tmp_path / "y.txt")], match, tmp_path / "out")


@pytest.mark.parametrize("rows_,match", [
    (["file,label", "a.png,x", "b.png,y", "c.png,x"], "row 4: no image 'c.png' in the folder"),
    (["file,label", "a.png,x"], "1 image(s) have no label, e.g. 'b.png'"),
    (["file,label", "a.png,x", "a.png,y", "b.png,y"], "row 3: image 'a.png' is labelled twice"),
    (["name,kind", "a.png,x", "b.png,y"], "no label column"),
])
def test_a_csv_label_file_that_does_not_match_the_folder_is_an_error(tmp_path, capsys, rows_, match):
    flat = tmp_path / "flat"
    flat.mkdir()
    for name in ("a.png", "b.png"):
        Image.fromarray(np.zeros((8, 8), np.uint8)).save(flat / name)
    (tmp_path / "labels.csv").write_text("\n".join(rows_) + "\n")
    check_error(capsys, [str(flat), "--labels", str(tmp_path / "labels.csv")], match, tmp_path / "out")


def test_other_bad_requests_are_errors(tmp_path, folder, capsys):
    np.savez(tmp_path / "nolabels.npz", x=np.zeros((5, 8, 8), np.uint8))
    check_error(capsys, [str(tmp_path / "nolabels.npz")], "no labels", tmp_path / "out")
    check_error(capsys, ["ring8"], "holds vectors", tmp_path / "out")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("x")
    assert main(["augment", str(folder), "--out", str(tmp_path / "taken"), "--balance", *TINY]) == 2
    assert "already exists and is not empty" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()
    Image.fromarray(np.zeros((12, 12), np.uint8)).save(folder / "cat" / "big.png")
    check_error(capsys, [str(folder), "--image-size", "10"], "pass --image-size", tmp_path / "out")
    run = tmp_path / "plain"
    from ganforge.runs.experiment import train

    train({"data": {"source": "digits"}, "model": {"width": 8, "latent_dim": 4},
           "train": {"steps": 1, "progress": False, "tensorboard": False}}, out=run)
    check_error(capsys, ["digits", "--run", str(run)], "holds a gan.kind=gan model", tmp_path / "out", extra=())


def test_output_is_all_or_nothing(tmp_path, folder, monkeypatch):
    data = aug.load_labelled(folder)
    synthetic = (torch.zeros(3, 1, 8, 8, dtype=torch.uint8), torch.tensor([1, 2, 2]), torch.tensor([-1, -1, -1]))
    calls = {"n": 0}
    real_png = aug._png_bytes

    def failing(img):
        calls["n"] += 1
        if calls["n"] == 10:
            raise OSError("disk full")
        return real_png(img)

    monkeypatch.setattr(aug, "_png_bytes", failing)
    with pytest.raises(OSError, match="disk full"):
        aug.write_augmented(tmp_path / "out", data, synthetic)
    assert no_leftovers(tmp_path, "out")
    monkeypatch.setattr(aug, "_png_bytes", real_png)
    aug.write_augmented(tmp_path / "out", data, synthetic)
    assert len(rows(tmp_path / "out" / "manifest.csv")) == 18


def test_plan_additions():
    assert aug.plan_additions([8, 4, 3, 0], balance=True) == [0, 4, 5, 0]
    assert aug.plan_additions([8, 4, 3], per_class=5) == [0, 1, 2]
    with pytest.raises(Exception, match="--per-class must be >= 1"):
        aug.plan_additions([8, 4], per_class=0)


def test_label_file_formats(tmp_path):
    np.save(tmp_path / "ints.npy", np.array([2, 0, 2]))
    y, names = read_label_file(tmp_path / "ints.npy", 3)
    assert y.tolist() == [2, 0, 2] and names == ["0", "1", "2"]
    np.save(tmp_path / "names.npy", np.array(["b", "a", "b"]))
    y, names = read_label_file(tmp_path / "names.npy", 3)
    assert y.tolist() == [1, 0, 1] and names == ["a", "b"]
    (tmp_path / "order.csv").write_text("class\nb\na\nb\n")
    assert read_label_file(tmp_path / "order.csv", 3)[0].tolist() == [1, 0, 1]
    (tmp_path / "files.csv").write_text("file,label\nx.png,1\n")
    with pytest.raises(DataError, match="names images of a folder"):
        read_label_file(tmp_path / "files.csv", 1)
    (tmp_path / "x.json").write_text("[1]")
    with pytest.raises(DataError, match="unsupported label file type"):
        read_label_file(tmp_path / "x.json", 1)
    with pytest.raises(DataError, match="does not exist"):
        read_label_file(tmp_path / "missing.txt", 1)
    with pytest.raises(DataError, match="has its own labels"):
        load_dataset("digits", labels=tmp_path / "order.csv")


# -- tables: TabularGAN's exact conditional sampling -------------------------------------------------
TABLE_FIT = ["--set", "tabular.epochs=2", "--set", "tabular.batch_size=50", "--set", "tabular.verbose=false",
             "--set", "tabular.device=cpu"]


@pytest.fixture
def table(tmp_path):
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"age": rng.normal(40, 10, 200).round(1), "city": rng.choice(["a", "b", "c"], 200),
                       "label": ["common"] * 170 + ["rare"] * 30})
    path = tmp_path / "people.csv"
    df.to_csv(path, index=False)
    return path


def test_a_table_is_rebalanced_with_exact_conditional_samples(tmp_path, table, capsys):
    import pandas as pd

    out = tmp_path / "balanced.csv"
    assert main(["augment", str(table), "--out", str(out), "--balance", "--target", "label",
                 "--train-out", str(tmp_path / "model"), *TABLE_FIT]) == 0
    df = pd.read_csv(out)
    assert list(df.columns) == ["age", "city", "label", "synthetic"]
    assert df["label"].value_counts().to_dict() == {"common": 170, "rare": 170}
    synthetic = df[df["synthetic"]]
    assert len(synthetic) == 140 and (synthetic["label"] == "rare").all()  # every synthetic row has its class
    assert df[~df["synthetic"]].drop(columns="synthetic").equals(pd.read_csv(table))  # real rows unchanged
    summary = json.loads(Path(f"{out}.manifest.json").read_text())
    assert summary["method"] == "tabular" and summary["synthetic"] == 140
    # The saved model is reused.
    assert main(["augment", str(table), "--out", str(tmp_path / "more.csv"), "--per-class", "200", "--target",
                 "label", "--run", str(tmp_path / "model")]) == 0
    assert pd.read_csv(tmp_path / "more.csv")["label"].value_counts().to_dict() == {"common": 200, "rare": 200}


def test_table_errors(tmp_path, table, capsys):
    for args, match in [([], "--target COLUMN is needed"), (["--target", "colour"], "no column 'colour'"),
                        (["--target", "label", "--method", "cgan"], "is a table: use --method tabular"),
                        (["--target", "label", "--set", "tabular.speed=3"], "--set tabular.*"),
                        (["--target", "city", "--set", "train.steps=3"], "takes tabular.<setting> keys")]:
        assert main(["augment", str(table), "--out", str(tmp_path / "o.csv"), "--balance", *args]) == 2
        assert match in capsys.readouterr().err
        assert not (tmp_path / "o.csv").exists()


def test_manifest_escapes_class_names_a_spreadsheet_would_run(tmp_path, folder):
    import dataclasses

    data = dataclasses.replace(aug.load_labelled(folder), classes=["=HYPERLINK(\"x\")", "-1", "@emu"])
    synthetic = (torch.zeros(1, 1, 8, 8, dtype=torch.uint8), torch.tensor([1]), torch.tensor([-1]))
    aug.write_augmented(tmp_path / "out", data, synthetic, fmt="npz")
    assert {r["class"] for r in rows(tmp_path / "out" / "manifest.csv")} == {"'=HYPERLINK(\"x\")", "-1", "'@emu"}
    aug.write_augmented(tmp_path / "raw", data, synthetic, fmt="npz", escape_formulas=False)
    assert {r["class"] for r in rows(tmp_path / "raw" / "manifest.csv")} == set(data.classes)


def test_a_headerless_table_needs_names(tmp_path, table, capsys):
    import pandas as pd

    headerless = tmp_path / "people.data"
    headerless.write_text("".join(table.read_text().splitlines(keepends=True)[1:]))
    out = tmp_path / "balanced.csv"
    assert main(["augment", str(headerless), "--out", str(out), "--balance", "--target", "label", *TABLE_FIT]) == 2
    assert "--names" in capsys.readouterr().err
    assert main(["augment", str(headerless), "--out", str(out), "--balance", "--target", "label",
                 "--names", "age,city,label", *TABLE_FIT]) == 0
    assert pd.read_csv(out)["label"].value_counts().to_dict() == {"common": 170, "rare": 170}
