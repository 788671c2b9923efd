"""`ganforge tabular fit` on a CSV of ids, e-mails and dates: what it states, stores and samples."""

import re

import numpy as np
import pandas as pd
import pytest

from ganforge.cli import main

FAST = ["--epochs", "1", "--batch-size", "100", "--device", "cpu", "--precision", "fp32"]


@pytest.fixture(scope="module")
def csv(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 600
    when = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    df = pd.DataFrame({"client": [f"AB-{i:05d}" for i in rng.permutation(n)],
                       "email": [f"user{i}@mail.example.net" for i in range(n)],
                       "joined": when.strftime("%d/%m/%Y"), "ref": rng.choice(["x1", "x2", "x3"], n),
                       "fee": rng.normal(20, 5, n).round(2), "plan": rng.choice(["basic", "pro"], n)})
    path = tmp_path_factory.mktemp("data") / "clients.csv"
    df.to_csv(path, index=False)
    return path, df


def test_fit_states_identifiers_and_dates_and_sampling_keeps_formats(csv, tmp_path, capsys):
    path, df = csv
    out = tmp_path / "m"
    assert main(["tabular", "fit", str(path), "--out", str(out), *FAST, "--id-columns", "ref"]) == 0
    table = capsys.readouterr().out
    assert re.search(r"client\s+identifier .*600 of 600 values are distinct", table)
    assert re.search(r"email\s+identifier .*e-mail addresses", table)
    assert re.search(r"ref\s+identifier .*declared an identifier", table)
    assert re.search(r"joined\s+datetime .*text as '%d/%m/%Y'", table)
    meta = (out / "model.json").read_text()
    assert not [v for v in df["client"] if v in meta] and not [v for v in df["email"] if v in meta]
    assert main(["tabular", "sample", str(out), "-n", "200", "--out", str(tmp_path / "s.csv")]) == 0
    syn = pd.read_csv(tmp_path / "s.csv")
    assert syn["client"].str.fullmatch(r"AB-\d{5}").all() and not syn["client"].isin(df["client"]).any()
    assert syn["email"].str.fullmatch(r"user\d+@mail\.example\.net").all() and syn["email"].is_unique
    assert not syn["email"].isin(df["email"]).any()
    assert pd.to_datetime(syn["joined"], format="%d/%m/%Y").notna().all()
    assert syn["fee"].map(lambda v: round(v, 2) == v).all()


def test_drop_ids_and_min_category_count(csv, tmp_path, capsys):
    path, df = csv
    out = tmp_path / "m"
    assert main(["tabular", "fit", str(path), "--out", str(out), *FAST, "--drop-ids",
                 "--min-category-count", "250"]) == 0
    assert "dropped" in capsys.readouterr().out
    assert main(["tabular", "sample", str(out), "-n", "50", "--out", str(tmp_path / "s.csv")]) == 0
    syn = pd.read_csv(tmp_path / "s.csv")
    assert list(syn.columns) == ["joined", "ref", "fee", "plan"]
    assert set(syn["ref"]) <= {"<other>"}  # each of x1, x2, x3 is seen fewer than 250 times
    assert main(["tabular", "fit", str(path), "--out", str(tmp_path / "m2"), *FAST,
                 "--min-category-count", "0"]) == 2
    assert "min_category_count" in capsys.readouterr().err
