"""GANImputer: observed values kept bit for bit, types round-trip, it beats the mean, multiple imputation
samples, the scikit-learn API, and every bad-input case of the issue."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from ganforge.errors import DataError
from ganforge.impute import GANImputer, ImputeWarning
from ganforge.impute import persist

FAST = dict(n_iter=150, time_limit=None)


def _correlated(n=400, seed=0, rate=0.2):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 1))
    X = np.hstack([z + rng.normal(0, 0.05, (n, 1)) for _ in range(4)]) * [1, 2, -1, 3]
    miss = rng.random(X.shape) < rate
    miss[miss.all(axis=1), 0] = False
    Xm = X.copy()
    Xm[miss] = np.nan
    return X, Xm, miss


def _mixed(n=120, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    df = pd.DataFrame({
        "num": a * np.pi,
        "int_nan": rng.integers(0, 1000, n).astype(float),
        "nullable": pd.array(rng.integers(0, 1000, n), dtype="Int64"),
        "flag": pd.array(a > 0, dtype="boolean"),
        "colour": pd.Categorical(np.where(a > 0.5, "red", np.where(a < -0.5, "blue", "green"))),
        "text": np.where(a > 0, "up", "down").astype(object),
    }, index=pd.RangeIndex(100, 100 + n))
    for j, c in enumerate(df.columns):
        df.loc[df.index[rng.random(n) < 0.2], c] = None if c == "text" else pd.NA if df[c].dtype.kind != "f" else np.nan
    return df


def test_observed_entries_unchanged_bit_for_bit_and_holes_filled():
    X, Xm, miss = _correlated()
    Xm[~miss] += 1e-13 * np.arange((~miss).sum())  # values no float32 round trip keeps
    out = GANImputer(**FAST).fit_transform(Xm)
    assert isinstance(out, np.ndarray) and out.dtype == Xm.dtype and out.shape == Xm.shape
    assert np.array_equal(out[~miss].view(np.int64), Xm[~miss].view(np.int64))
    assert np.isfinite(out).all()


def test_dataframe_types_columns_index_round_trip():
    df = _mixed()
    out = GANImputer(**FAST).fit_transform(df)
    assert list(out.columns) == list(df.columns) and out.index.equals(df.index)
    assert dict(out.dtypes) == dict(df.dtypes)
    assert not out.isna().any().any()
    observed = ~df.isna()
    for c in df.columns:
        assert (out[c][observed[c]] == df[c][observed[c]]).all(), c
    assert set(out["colour"]) <= {"red", "green", "blue"} and set(out["text"]) <= {"up", "down"}
    assert (out["int_nan"] == out["int_nan"].round()).all()  # an integer column gets whole numbers


def test_beats_mean_filling_on_a_tiny_mcar_problem():
    X, Xm, miss = _correlated()
    out = GANImputer(n_iter=600, time_limit=None).fit_transform(Xm)
    mean_fill = np.where(miss, np.nanmean(Xm, axis=0), Xm)
    scale = X.max(0) - X.min(0)
    rmse = lambda F: np.sqrt(np.mean(((F - X) / scale)[miss] ** 2))  # noqa: E731
    assert rmse(out) < 0.6 * rmse(mean_fill)


def test_categories_are_learnt_from_a_numeric_column():
    rng = np.random.default_rng(0)
    a = rng.normal(size=400)
    df = pd.DataFrame({"a": a, "sign": np.where(a > 0, "pos", "neg")})
    hide = rng.random(400) < 0.3
    df.loc[hide, "sign"] = None
    out = GANImputer(n_iter=400, time_limit=None).fit_transform(df)
    truth = np.where(a > 0, "pos", "neg")
    assert (out["sign"][hide] == truth[hide]).mean() > 0.9


def test_multiple_imputations_differ_and_spread_where_the_data_leave_room():
    rng = np.random.default_rng(0)
    n = 400
    x, u = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    X = np.column_stack([x, x, u])  # column 1 is determined by column 0, column 2 is free
    miss = rng.random((n, 3)) < 0.25
    miss[:, 0] = False
    X[miss] = np.nan
    draws = GANImputer(n_iter=400, time_limit=None).fit(X).transform(X, n_imputations=4)
    assert len(draws) == 4 and not np.array_equal(draws[0], draws[1])
    for d in draws:
        assert np.array_equal(d[~miss], X[~miss])
    sd = np.std(draws, axis=0)
    assert sd[miss[:, 1], 1].mean() < 0.5 * sd[miss[:, 2], 2].mean()


def test_sklearn_api_clone_params_pipeline_cross_val():
    imp = GANImputer(n_iter=30, time_limit=None, hint="code")
    assert clone(imp).get_params() == imp.get_params()
    assert imp.set_params(hint_rate=0.5).hint_rate == 0.5
    X, Xm, miss = _correlated(n=120)
    y = (X[:, 0] > 0).astype(int)
    scores = cross_val_score(make_pipeline(imp, LogisticRegression()), Xm, y, cv=3)
    assert len(scores) == 3 and np.all(scores > 0.6)


def test_sklearn_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(GANImputer(n_iter=5, time_limit=None), on_fail=None)
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert not failed, failed
    assert sum(r["status"] == "passed" for r in results) > 30


def test_an_entirely_missing_column_is_refused():
    X = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, np.nan]])
    with pytest.raises(DataError, match="column '1' is entirely missing"):
        GANImputer(**FAST).fit(X)


def test_an_entirely_missing_row_is_filled_with_a_warning():
    X, Xm, miss = _correlated(n=100)
    Xm[5] = np.nan
    with pytest.warns(ImputeWarning, match="no observed value"):
        out = GANImputer(**FAST).fit_transform(Xm)
    assert np.isfinite(out[5]).all()


def test_nothing_missing_returns_the_data_unchanged_with_a_message():
    X, _, _ = _correlated(n=60)
    imp = GANImputer(**FAST, drop_rate=0.3).fit(X)
    with pytest.warns(ImputeWarning, match="no missing value"):
        out = imp.transform(X)
    assert np.array_equal(out, X) and out is not X


def test_unseen_categories_are_refused():
    df = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0] * 5, "c": ["x", "y", "x", None] * 5})
    imp = GANImputer(**FAST).fit(df)
    new = df.copy()
    new.loc[0, "c"] = "z"
    with pytest.raises(DataError, match="never seen at fit time: 'z'"):
        imp.transform(new)


def test_columns_must_match_the_fit():
    df = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0] * 5, "b": [1.0, np.nan, 3.0, 4.0] * 5})
    imp = GANImputer(**FAST).fit(df)
    with pytest.raises(DataError, match="same names, same order"):
        imp.transform(df[["b", "a"]])


def test_saved_model_imputes_the_same(tmp_path):
    df = _mixed()
    imp = GANImputer(**FAST).fit(df)
    persist.save(imp, tmp_path / "m")
    again = persist.load(tmp_path / "m")
    pd.testing.assert_frame_equal(imp.transform(df), again.transform(df))
    assert again.shrinkage_ == imp.shrinkage_ and np.array_equal(again.means_, imp.means_)


def test_a_model_saved_before_the_linear_path_and_shrinkage_still_loads(tmp_path):
    import json

    import torch
    from safetensors.torch import load_file, save_file

    df = _mixed()
    imp = GANImputer(**FAST).fit(df)
    persist.save(imp, tmp_path / "m")
    weights, meta_path = tmp_path / "m" / persist.WEIGHTS, tmp_path / "m" / persist.META
    save_file({k: v for k, v in load_file(str(weights)).items() if not k.startswith("linear.")}, str(weights))
    meta = json.loads(meta_path.read_text())
    del meta["shrinkage"], meta["means"]
    meta_path.write_text(json.dumps(meta))
    old = persist.load(tmp_path / "m")
    with torch.no_grad():
        imp.generator_.linear.weight.zero_()
        imp.generator_.linear.bias.zero_()
    imp.shrinkage_ = 1.0
    pd.testing.assert_frame_equal(imp.transform(df), old.transform(df))


def test_held_out_entries_are_never_reconstruction_targets_and_pick_the_generator():
    import torch

    X, Xm, miss = _correlated(n=300)
    imp = GANImputer(validation_fraction=0.25, **FAST)
    imp.fit(Xm)
    x, m = imp.encoding_.encode(pd.DataFrame(Xm))
    mt = torch.from_numpy(m)
    target, held_out = imp._validation(torch.from_numpy(x), mt, torch.Generator().manual_seed(0))
    held = mt - target
    assert torch.all(held >= 0) and torch.all(target <= mt)  # only observed entries are held out
    assert abs(held.sum().item() / mt.sum().item() - 0.25) < 0.03
    assert held_out.held.sum() == held.sum() and torch.all(held_out.m + held_out.held <= 1)  # hidden from G
    assert held_out.score(imp.generator_) > 0
    assert 0 < imp.training_["best_iteration"] <= imp.training_["iterations"]
    assert 0 <= imp.shrinkage_ <= 1
    plain = GANImputer(validation_fraction=0, **FAST).fit(Xm)
    assert "best_iteration" not in plain.training_ and plain.training_["iterations"] == FAST["n_iter"]
    assert plain.shrinkage_ == 1.0


def test_shrinkage_pulls_guesses_towards_the_mean_where_the_data_say_nothing():
    import torch

    rng = np.random.default_rng(0)
    X = rng.random((300, 4))  # independent columns: nothing predicts a hidden value but its column's mean
    miss = rng.random(X.shape) < 0.3
    miss[miss.all(axis=1), 0] = False
    Xm = np.where(miss, np.nan, X)
    imp = GANImputer(validation_fraction=0.3, **FAST).fit(Xm)
    x, m = imp.encoding_.encode(pd.DataFrame(Xm))
    _, held_out = imp._validation(torch.from_numpy(x), torch.from_numpy(m), torch.Generator().manual_seed(1))
    means = torch.from_numpy(imp.means_)
    assert held_out.shrinkage(imp.generator_, means) < 0.5 and imp.shrinkage_ < 0.5
    # a generator that returns the truth itself is not shrunk
    truth = lambda xin, min_: (held_out.x, held_out.x)  # noqa: E731
    assert held_out.shrinkage(truth, means) == pytest.approx(1.0)
    filled = imp.transform(Xm)
    miss = np.isnan(Xm)
    mean_fill = np.where(miss, np.nanmean(Xm, axis=0), Xm)
    rmse = lambda F: np.sqrt(np.mean((F - X)[miss] ** 2))  # noqa: E731
    assert rmse(filled) < 1.05 * rmse(mean_fill)


def test_linear_false_is_the_plain_mlp_generator_and_round_trips(tmp_path):
    X, Xm, miss = _correlated(n=100)
    imp = GANImputer(linear=False, **FAST).fit(Xm)
    assert imp.generator_.linear is None
    assert not any(k.startswith("linear.") for k in imp.generator_.state_dict())
    persist.save(imp, tmp_path / "m")
    again = persist.load(tmp_path / "m")
    assert again.generator_.linear is None and np.array_equal(again.transform(Xm), imp.transform(Xm))


@pytest.mark.parametrize("params, message", [
    (dict(validation_fraction=1.0), "validation_fraction must be in"),
    (dict(validation_fraction=float("nan")), "validation_fraction must be in"),
    (dict(n_iter_no_change=0), "n_iter_no_change must be None or a positive integer"),
    (dict(n_iter_no_change=True), "n_iter_no_change must be None or a positive integer"),
    (dict(linear="yes"), "linear must be True or False"),
    (dict(drop_rate=1.0), "drop_rate must be in"),
])
def test_bad_parameters_are_refused_by_name(params, message):
    from ganforge.errors import ConfigError

    X, Xm, miss = _correlated(n=50)
    with pytest.raises(ConfigError, match=message):
        GANImputer(**FAST, **params).fit(Xm)
