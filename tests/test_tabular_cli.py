"""`ganforge tabular fit|sample` end to end on a small CSV, and every bad input they must name."""

import gzip

import numpy as np
import pandas as pd
import pytest

from ganforge.cli import main

from test_tabular_model import small_table

FAST = ["--epochs", "2", "--batch-size", "60", "--quiet", "--device", "cpu", "--precision", "fp32"]


@pytest.fixture(scope="module")
def csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "people.csv"
    small_table(240).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def model_dir(csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "m"
    assert main(["tabular", "fit", str(csv), "--out", str(out), "--seed", "3", *FAST]) == 0
    return out


def test_fit_writes_a_model_folder(model_dir, capsys):
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.json", "model.safetensors"]


def test_sample_writes_csv_with_exact_conditions(model_dir, tmp_path, capsys):
    out = tmp_path / "syn.csv"
    assert main(["tabular", "sample", str(model_dir), "-n", "300", "--out", str(out),
                 "--condition", "income=>50K", "--condition", "city=Nice", "--seed", "1"]) == 0
    assert f"wrote 300 rows to {out}" in capsys.readouterr().out
    syn = pd.read_csv(out)
    assert len(syn) == 300 and list(syn.columns) == ["age", "city", "income", "score", "gain"]
    assert (syn["income"] == ">50K").all() and (syn["city"] == "Nice").all()


def test_sample_is_reproducible_and_writes_parquet_or_gzip(model_dir, tmp_path):
    for name in ("a.csv", "b.csv.gz"):
        assert main(["tabular", "sample", str(model_dir), "-n", "50", "--out", str(tmp_path / name), "--seed", "4"]) == 0
    assert (tmp_path / "a.csv").read_bytes() == gzip.decompress((tmp_path / "b.csv.gz").read_bytes())


def test_condition_on_a_whole_number_category(tmp_path):
    data = tmp_path / "d.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame({"year": rng.choice([2019, 2020, 2021], 200), "x": rng.normal(size=200)}).to_csv(data, index=False)
    assert main(["tabular", "fit", str(data), "--out", str(tmp_path / "m"), *FAST]) == 0
    assert main(["tabular", "sample", str(tmp_path / "m"), "-n", "40", "--out", str(tmp_path / "s.csv"),
                 "--condition", "year=2020"]) == 0
    assert (pd.read_csv(tmp_path / "s.csv")["year"] == 2020).all()


def test_time_budget_fit(csv, tmp_path, capsys):
    out = tmp_path / "m"
    assert main(["tabular", "fit", str(csv), "--out", str(out), "--time-budget", "1s", "--quiet",
                 "--batch-size", "60", "--device", "cpu"]) == 0
    assert "time budget" in capsys.readouterr().out and (out / "model.json").is_file()


def _fails(args, capsys, message):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err, err
    return err


@pytest.mark.parametrize("make, extra, message", [
    (lambda p: small_table(50).to_csv(p, index=False), ["--discrete", "nope"], "unknown column 'nope'"),
    (lambda p: p.write_text(""), [], "the file is empty"),
    (lambda p: p.write_text("a,b\n"), [], "no rows"),
    (lambda p: small_table(50).assign(blank=np.nan).to_csv(p, index=False), [], "'blank' is entirely missing"),
    (lambda p: small_table(50).to_csv(p, index=False), ["--epochs", "3", "--time-budget", "1m"],
     "--epochs or --time-budget, not both"),
    (lambda p: small_table(50).to_csv(p, index=False), ["--time-budget", "soon"], "cannot read the time budget"),
])
def test_fit_errors_leave_no_model_folder(tmp_path, capsys, make, extra, message):
    data = tmp_path / "data.csv"
    make(data)
    out = tmp_path / "model"
    _fails(["tabular", "fit", str(data), "--out", str(out), *FAST[2:], *extra], capsys, message)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["data.csv"]  # no temporary folder either


def test_fit_refuses_a_file_that_is_not_a_table(tmp_path, capsys):
    npz = tmp_path / "x.npz"
    np.savez(npz, a=np.zeros(3))
    _fails(["tabular", "fit", str(npz), "--out", str(tmp_path / "m")], capsys, "unsupported file type")
    png = tmp_path / "x.dat"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    _fails(["tabular", "fit", str(png), "--out", str(tmp_path / "m")], capsys, "binary file")
    assert not (tmp_path / "m").exists()


def test_fit_refuses_to_overwrite_a_folder(csv, model_dir, capsys):
    _fails(["tabular", "fit", str(csv), "--out", str(model_dir), *FAST], capsys, "already exists")
    assert (model_dir / "model.json").is_file()


def test_interrupted_save_leaves_no_model_folder(csv, tmp_path, capsys, monkeypatch):
    import safetensors.torch

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(safetensors.torch, "save", broken)  # TabularGAN.save serialises with it
    out = tmp_path / "m"
    assert main(["tabular", "fit", str(csv), "--out", str(out), *FAST]) == 130
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    (["--condition", "nope=1"], "unknown column 'nope'"),
    (["--condition", "income=millions"], "'millions' was never seen in column 'income'"),
    (["--condition", "income"], "--condition expects COLUMN=VALUE"),
    (["--condition", "age=40"], "column 'age' is integer, not discrete"),
    (["-n", "0"], "-n must be >= 1"),
])
def test_sample_errors(model_dir, tmp_path, capsys, args, message):
    out = tmp_path / "s.csv"
    _fails(["tabular", "sample", str(model_dir), "--out", str(out), *(["-n", "5"] if "-n" not in args else []), *args],
           capsys, message)
    assert not out.exists()


def test_sample_from_a_folder_that_is_not_a_model(tmp_path, capsys):
    _fails(["tabular", "sample", str(tmp_path), "-n", "5", "--out", str(tmp_path / "s.csv")], capsys,
           "not a TabularGAN model folder")
