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
    captured = capsys.readouterr()  # --quiet: no info lines on stdout; the stop reason is on stderr
    assert captured.out == "" and "time budget" in captured.err and (out / "model.json").is_file()


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


# -- tables as they come ----------------------------------------------------------------------------
@pytest.fixture
def adult(tmp_path):
    from test_tabular_io import ADULT

    path = tmp_path / "adult.data"
    path.write_bytes(ADULT * 10)  # 70 rows of UCI Adult's headerless training file
    return path


def test_fit_refuses_a_headerless_table_and_reads_it_with_names(adult, tmp_path, capsys):
    from test_tabular_io import ADULT_NAMES

    err = _fails(["tabular", "fit", str(adult), "--out", str(tmp_path / "m"), *FAST], capsys, "looks like data")
    assert "--no-header" in err and "--names" in err and not (tmp_path / "m").exists()
    assert main(["tabular", "fit", str(adult), "--out", str(tmp_path / "m"), "--names", ",".join(ADULT_NAMES),
                 "--na-values", "?", *FAST]) == 0
    from ganforge.tabular import TabularGAN

    assert list(TabularGAN.load(tmp_path / "m").columns_) == ADULT_NAMES
    with pytest.warns(UserWarning, match=r"'\?' in col2, col7.*--na-values"):  # '?' looks like a marker
        assert main(["tabular", "fit", str(adult), "--out", str(tmp_path / "m2"), "--no-header", *FAST]) == 0
    assert list(TabularGAN.load(tmp_path / "m2").columns_)[:2] == ["col1", "col2"]


def test_na_values_keep_a_real_NA_category(tmp_path):
    data = tmp_path / "countries.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame({"country": rng.choice(["NA", "FR", "?"], 120), "x": rng.normal(size=120)}).to_csv(data, index=False)
    assert main(["tabular", "fit", str(data), "--out", str(tmp_path / "m"), "--na-values", "?", *FAST]) == 0
    assert main(["tabular", "sample", str(tmp_path / "m"), "-n", "20", "--out", str(tmp_path / "s.csv"),
                 "--condition", "country=NA"]) == 0
    assert (pd.read_csv(tmp_path / "s.csv", keep_default_na=False)["country"] == "NA").all()


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_an_interrupted_fit_saves_the_model_trained_so_far(csv, tmp_path, capsys, monkeypatch, sig):
    import signal

    from ganforge.tabular import TabularGAN
    from ganforge.tabular.progress import TableProgress

    step_end = TableProgress.on_step_end

    def interrupt_at_3(self, trainer, step):  # as if the user pressed Ctrl-C (or a scheduler sent SIGTERM)
        step_end(self, trainer, step)
        if step == 3:
            signal.raise_signal(getattr(signal, sig))

    monkeypatch.setattr(TableProgress, "on_step_end", interrupt_at_3)
    out = tmp_path / "m"
    assert main(["tabular", "fit", str(csv), "--out", str(out), "--epochs", "50", *FAST[2:]]) == 130
    assert f"interrupted at step 3: saved the model trained so far to {out}" in capsys.readouterr().out
    model = TabularGAN.load(out)
    assert model.training_["steps"] == 3 and model.training_["stopped_by"] == "interrupted at step 3"
    assert len(model.sample(10)) == 10


def test_time_budget_bar_counts_seconds_and_rows(csv, tmp_path, capsys):
    assert main(["tabular", "fit", str(csv), "--out", str(tmp_path / "m"), "--time-budget", "1s",
                 "--batch-size", "60", "--device", "cpu"]) == 0
    captured = capsys.readouterr()
    assert "/1 s" in captured.err and "1000000000" not in captured.err and "img" not in captured.err
    assert "rows/s" in captured.out


def test_table_progress_bar_units(capsys):
    from ganforge.tabular.progress import TableProgress

    class Trainer:
        step = 0

    timed = TableProgress(10**9, 100, budget=90.0)
    timed.on_fit_start(Trainer())
    assert (timed.bar.total, timed.bar.unit) == (90.0, "s")
    timed.write(5, {"loss_d": 0.5, "img_per_s": 1234.0, "lr/generator": 1e-4, "lr/discriminator": 1e-4})
    assert timed.bar.postfix == "loss_d=0.5, rows/s=1234"
    timed.close()
    steps = TableProgress(300, 100)
    steps.on_fit_start(Trainer())
    assert (steps.bar.total, steps.bar.unit) == (300, "step")
    steps.close()


@pytest.fixture(scope="module")
def formula_model(tmp_path_factory):
    """A model of a table whose column is named ``a=b`` and whose categories look like formulas."""
    root = tmp_path_factory.mktemp("formulas")
    rng = np.random.default_rng(0)
    pd.DataFrame({"a=b": rng.choice(["=1+2", "-x", "plain"], 150), "x": rng.normal(size=150)}).to_csv(
        root / "t.csv", index=False)
    assert main(["tabular", "fit", str(root / "t.csv"), "--out", str(root / "m"), "--discrete", "a=b", *FAST]) == 0
    return root / "m"


@pytest.mark.parametrize("condition", ["a=b==1+2", '{"a=b": "=1+2"}'])
def test_condition_on_a_column_whose_name_holds_equals(formula_model, tmp_path, condition):
    out = tmp_path / "s.csv"
    assert main(["tabular", "sample", str(formula_model), "-n", "30", "--out", str(out),
                 "--condition", condition]) == 0
    assert (pd.read_csv(out)["a=b"] == "=1+2").all()


def test_a_value_holding_equals_is_split_at_the_known_column(model_dir):
    from ganforge.tabular.cli import parse_condition

    assert parse_condition("city=x=y", ["city", "income"]) == {"city": "x=y"}
    assert parse_condition("a=b=c") == {"a=b": "c"}
    assert parse_condition('{"year": 2020}') == {"year": 2020}


def test_sample_escapes_formulas_when_asked(formula_model, tmp_path):
    assert main(["tabular", "sample", str(formula_model), "-n", "200", "--out", str(tmp_path / "raw.csv")]) == 0
    raw = set(pd.read_csv(tmp_path / "raw.csv")["a=b"])
    assert "=1+2" in raw and "-x" in raw
    assert main(["tabular", "sample", str(formula_model), "-n", "200", "--out", str(tmp_path / "safe.csv"),
                 "--escape-formulas"]) == 0
    safe = pd.read_csv(tmp_path / "safe.csv")
    assert set(safe["a=b"]) == {"'" + v if v != "plain" else v for v in raw}
    assert pd.api.types.is_float_dtype(safe["x"])


def test_fit_report_and_augment_spell_the_read_options_alike():
    from ganforge.cli import build_parser
    from ganforge.tabular.io import read_arguments

    parser = build_parser()
    commands = [["tabular", "fit", "t.csv", "--out", "m"], ["tabular", "report", "t.csv", "s.csv"],
                ["augment", "t.csv", "--out", "o.csv", "--balance"]]
    for command in commands:
        args = parser.parse_args([*command, "--na-values", "?,-", "--na-values", "NULL", "--names", "a,b"])
        assert read_arguments(args) == {"na_values": ["?", "-", "NULL"], "names": "a,b"}
        assert read_arguments(parser.parse_args([*command, "--no-header"])) == {"header": None}
