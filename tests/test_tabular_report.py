"""The tabular report: fidelity, utility and privacy figures on constructed tables, writers, command."""

from __future__ import annotations

import argparse
import json

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from ganforge.data import DataError
from ganforge.metrics import get_metric
from ganforge.tabular.cli import add_report_command
from ganforge.tabular.report import (
    _check_tables,
    _Columns,
    column_shapes,
    detection_auc,
    format_report,
    pair_trends,
    privacy_metrics,
    tabular_report,
    write_html,
    write_json,
)
from ganforge.data.tabular.columns import resolve_kinds


def table(n: int = 600, seed: int = 0, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1, n)
    return pd.DataFrame({
        "x": x,
        "y": 2 * x + rng.normal(0, 1, n),
        "n": rng.integers(0, 100, n),
        "c": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]),
        "label": np.where(x + rng.normal(0, 0.5, n) > 0.8, "yes", "no"),
    })


def prepared(real, syn, holdout=None):
    tables = _check_tables(real, {"synthetic": syn, "holdout": holdout})
    return _Columns(tables, resolve_kinds(tables["real"]))


def test_shape_of_identical_tables_is_one():
    t = table()
    r = column_shapes(prepared(t, t.copy()))
    assert r["mean"] == 1.0 and all(v["score"] == 1.0 for v in r["per_column"].values())
    assert pair_trends(prepared(t, t.copy()))["mean"] == pytest.approx(1.0)


def test_shape_of_shifted_table_is_one_minus_ks():
    a, b = table(seed=0), table(seed=1, shift=0.5)
    r = column_shapes(prepared(a, b))["per_column"]
    for col in ("x", "n"):
        expected = 1 - ks_2samp(a[col], b[col]).statistic
        assert r[col]["metric"] == "KS" and r[col]["score"] == pytest.approx(expected, abs=1e-12)
    assert r["x"]["score"] < 0.9


def test_tvd_by_hand():
    real = pd.DataFrame({"c": ["a"] * 50 + ["b"] * 30 + ["c"] * 20})
    syn = pd.DataFrame({"c": ["a"] * 20 + ["b"] * 30 + ["c"] * 40 + [None] * 10})
    r = column_shapes(prepared(real, syn))["per_column"]["c"]
    # |0.5-0.2| + |0.3-0.3| + |0.2-0.4| + |0-0.1| = 0.6 -> TVD 0.3
    assert r["metric"] == "TVD" and r["statistic"] == pytest.approx(0.3) and r["score"] == pytest.approx(0.7)
    assert r["missing_synthetic"] == pytest.approx(0.1)


def test_numbers_compare_across_dtypes():
    """A discrete integer column read back as floats (because of a NaN) still matches its categories."""
    real = pd.DataFrame({"k": [1, 2, 2, 3] * 10})
    syn = pd.DataFrame({"k": [1.0, 2.0, 2.0, 3.0] * 10})
    assert column_shapes(prepared(real, syn))["mean"] == 1.0


def test_pair_trend_scores():
    rng = np.random.default_rng(0)
    x = rng.normal(size=2000)
    real = pd.DataFrame({"x": x, "y": x + rng.normal(0, 0.5, 2000)})
    syn = pd.DataFrame({"x": x, "y": rng.normal(size=2000)})  # independent
    r = pair_trends(prepared(real, syn))["pairs"][0]
    rho_r, rho_s = np.corrcoef(real.x, real.y)[0, 1], np.corrcoef(syn.x, syn.y)[0, 1]
    assert r["metric"] == "correlation" and r["score"] == pytest.approx(1 - abs(rho_r - rho_s) / 2)
    d = pd.DataFrame({"a": ["p", "q"] * 50, "b": ["u", "v"] * 50})
    d2 = pd.DataFrame({"a": ["p", "q"] * 50, "b": ["v", "u"] * 50})  # same marginals, opposite joint
    assert pair_trends(prepared(d, d2))["pairs"][0]["score"] == pytest.approx(0.0)


def test_report_scores_the_real_columns_shuffled_as_the_pair_reference():
    real = table(2000)
    rng = np.random.default_rng(1)
    shuffled = real.apply(lambda s: s.to_numpy()[rng.permutation(len(s))])  # each column on its own
    fid = tabular_report(real, real.copy(), detection_model=None)["fidelity"]["pair_trends"]
    assert fid["mean"] == pytest.approx(1.0) and fid["independent"] < 0.9  # x ~ y, x ~ label are strong
    xy = next(p for p in fid["pairs"] if p["columns"] == ["x", "y"])
    assert xy["score"] == pytest.approx(1.0) and xy["independent"] < 0.7  # correlation ~0.9 lost by shuffling
    ref = tabular_report(real, shuffled, detection_model=None)["fidelity"]["pair_trends"]
    assert ref["mean"] == pytest.approx(ref["independent"], abs=0.03)


def test_detection_auc():
    same = detection_auc(prepared(table(400, 0), table(400, 1)), seed=0)
    assert abs(same["auc"] - 0.5) < 0.1
    apart = detection_auc(prepared(table(400, 0), table(400, 1, shift=6.0)), model="logistic")
    assert apart["auc"] > 0.99


def test_privacy_on_a_copy_and_on_independent_data():
    train, holdout = table(500, 0), table(500, 1)
    copy = privacy_metrics(prepared(train, train.copy(), holdout))
    assert copy["exact_copies"] == {"synthetic": 1.0, "holdout": 0.0}
    assert copy["dcr"]["synthetic_to_train"]["median"] == 0.0 and copy["dcr"]["holdout_to_train"]["p5"] > 0
    assert copy["membership_auc"] > 0.99
    fresh = privacy_metrics(prepared(train, table(500, 2), holdout))
    assert fresh["exact_copies"]["synthetic"] == 0.0
    assert abs(fresh["membership_auc"] - 0.5) < 0.1
    assert fresh["dcr"]["synthetic_to_train"]["median"] > 0


def test_utility_survives_a_target_class_only_the_synthetic_table_has():
    real, hold = table(600, 0), table(400, 1)
    syn = real.copy()
    syn.loc[:5, "label"] = "<other>"  # a private model's pooled category, absent from real and holdout
    r = tabular_report(real, syn, hold, target="label", detection_model=None)["utility"]
    eff = r["ml_efficacy"]
    assert r["task"] == "binary" and abs(eff["synthetic"] - eff["real"]) < 0.15, eff


def test_exact_copies_count_rows():
    train = pd.DataFrame({"a": [1, 2, 3, 4], "b": ["x", "y", "z", "w"]})
    syn = pd.DataFrame({"a": [1, 2, 9, 4], "b": ["x", "q", "z", "w"]})  # rows 0 and 3 are copies
    hold = pd.DataFrame({"a": [5, 6], "b": ["x", "y"]})
    priv = privacy_metrics(prepared(train, syn, hold))
    assert priv["exact_copies"]["synthetic"] == 0.5 and priv["exact_copies"]["holdout"] == 0.0


def test_utility():
    real, hold = table(600, 0), table(400, 1)
    r = tabular_report(real, real.copy(), hold, target="label", detection_model=None)["utility"]
    assert r["task"] == "binary" and r["positive_class"] == "yes"  # the minority class
    assert set(r["models"]) == {"decision_tree", "adaboost", "logistic_regression", "mlp"}
    eff = r["ml_efficacy"]
    assert eff["metric"] == "f1" and eff["synthetic"] == pytest.approx(eff["real"]) and eff["real"] > 0.5
    for s in r["models"].values():
        assert 0 <= s["synthetic"]["accuracy"] <= 1 and 0 <= s["synthetic"]["auroc"] <= 1
    reg = tabular_report(real, real.copy(), target="y", detection_model=None)["utility"]  # no holdout: a 30% split
    assert reg["task"] == "regression" and reg["models"]["linear_regression"]["real"]["r2"] > 0.6
    assert "30%" in reg["test_rows"]
    one_class = real.assign(label="yes")  # e.g. rows sampled with a condition on the target
    rep = tabular_report(real, one_class, hold, target="label", detection_model=None)
    assert math.isnan(rep["utility"]["ml_efficacy"]["synthetic"])
    assert "(synthetic table: the training data has a single class)" in format_report(rep)


def test_report_writers(tmp_path):
    real, syn, hold = table(200, 0), table(200, 1, shift=0.3), table(200, 2)
    syn.loc[::7, "c"] = None
    result = tabular_report(real, syn, hold, target="label", detection_model="logistic")
    text = format_report(result)
    for word in ("shape score", "detection AUC", "ML efficacy", "membership", "x", "label"):
        assert word in text
    write_json(result, tmp_path / "r.json")
    back = json.loads((tmp_path / "r.json").read_text())
    assert back["fidelity"]["shape"]["mean"] == pytest.approx(result["fidelity"]["shape"]["mean"])
    write_html(result, real, syn, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "src=" not in page
    for col in real.columns:
        assert f">{col}" in page


def test_registered_metrics():
    a, b = table(200, 0), table(200, 1)
    assert get_metric("tabular_shape")(a, a)["shape"] == 1.0
    assert 0 <= get_metric("tabular_detection")(a, b, model="logistic")["detection_auc"] <= 1
    dcr = get_metric("tabular_dcr")(a, b, table(200, 2))
    assert dcr["exact_copies_synthetic"] == 0.0 and dcr["n_synthetic"] == 200
    assert "pair_trends" in get_metric("tabular_pair_trends")(a, b)


def test_bad_input():
    t = table(50)
    with pytest.raises(DataError, match="missing from synthetic: 'label'"):
        tabular_report(t, t.drop(columns="label"))
    with pytest.raises(DataError, match="only in holdout: 'extra'"):
        tabular_report(t, t, t.assign(extra=1))
    with pytest.raises(DataError, match="unknown target column 'nope'"):
        tabular_report(t, t, target="nope")
    with pytest.raises(DataError, match="empty"):
        tabular_report(t.iloc[:0], t)


def run_command(argv):
    parser = argparse.ArgumentParser()
    add_report_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_command(tmp_path, capsys):
    table(200, 0).to_csv(tmp_path / "real.csv", index=False)
    table(200, 1).to_csv(tmp_path / "syn.csv", index=False)
    table(200, 2).to_csv(tmp_path / "test.csv", index=False)
    out = tmp_path / "rep"
    assert run_command(["report", str(tmp_path / "real.csv"), str(tmp_path / "syn.csv"), "--holdout",
                        str(tmp_path / "test.csv"), "--target", "label", "--out", str(out),
                        "--detection-model", "logistic"]) == 0
    printed = capsys.readouterr().out
    assert "shape score" in printed and "report.html" in printed
    assert json.loads((out / "report.json").read_text())["utility"]["target"] == "label"
    assert "label" in (out / "report.html").read_text()


def test_command_errors(tmp_path):
    table(50, 0).to_csv(tmp_path / "real.csv", index=False)
    table(50, 1).drop(columns=["c"]).to_csv(tmp_path / "syn.csv", index=False)
    with pytest.raises(DataError, match="syn.csv.*missing from synthetic: 'c'"):
        run_command(["report", str(tmp_path / "real.csv"), str(tmp_path / "syn.csv"), "--out", str(tmp_path)])
    with pytest.raises(DataError, match="nothere.csv: no such file"):
        run_command(["report", str(tmp_path / "real.csv"), str(tmp_path / "nothere.csv")])
    with pytest.raises(DataError, match="unknown target column 'zz'"):
        run_command(["report", str(tmp_path / "real.csv"), str(tmp_path / "real.csv"), "--target", "zz",
                     "--out", str(tmp_path)])
    assert not (tmp_path / "report.json").exists()


def test_identifier_columns_are_not_scored_as_data_but_checked_for_copies():
    real = table(400, seed=0)
    real["id"] = [f"C{i:06d}" for i in range(len(real))]
    fresh = table(400, seed=1)
    fresh["id"] = [f"C{i + 500000:06d}" for i in range(len(fresh))]
    copied = fresh.assign(id=real["id"].to_numpy())
    good = tabular_report(real, fresh, detection_model=None)
    assert "id" not in good["columns"] and "id" not in good["fidelity"]["shape"]["per_column"]
    assert good["identifiers"] == {"id": 0.0}
    bad = tabular_report(real, copied, detection_model=None)
    assert bad["identifiers"] == {"id": 1.0}
    assert bad["fidelity"]["shape"]["mean"] == pytest.approx(good["fidelity"]["shape"]["mean"])
    assert "identifier 'id'" in format_report(bad)
    with pytest.raises(DataError, match="identifiers"):
        tabular_report(real, fresh, target="id", detection_model=None)
