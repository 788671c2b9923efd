"""The tabular data transformer: round trip, layout, JSON state, high cardinality, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from ganforge.data import DataError
from ganforge.data.tabular.columns import detect_kind, resolve_kinds
from ganforge.data.tabular.transformer import ColumnSpec, Span, TabularTransformer


def mixed_frame(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    bimodal = np.where(rng.random(n) < 0.4, rng.normal(-5, 0.5, n), rng.normal(10, 2, n))
    gain = np.where(rng.random(n) < 0.9, 0, rng.integers(100, 5000, n))  # a 90% point mass at 0
    with_nan = rng.normal(3, 1, n)
    with_nan[rng.random(n) < 0.15] = np.nan
    colour = rng.choice(["red", "green", "blue"], n, p=[0.6, 0.3, 0.1]).astype(object)
    colour[rng.random(n) < 0.1] = None
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
    return pd.DataFrame({
        "bimodal": bimodal,
        "age": rng.integers(18, 90, n),
        "gain": gain.astype(np.int64),
        "with_nan": with_nan,
        "colour": colour,
        "flag": rng.random(n) < 0.3,
        "day": days,
        "level": pd.Categorical(rng.choice(["lo", "mid", "hi"], n), categories=["lo", "mid", "hi"], ordered=True),
    })


@pytest.fixture(scope="module")
def frame():
    return mixed_frame()


@pytest.fixture(scope="module")
def fitted(frame):
    return TabularTransformer(n_jobs=1, fit_rows=1000).fit(frame)


def test_detected_kinds(frame):
    kinds = resolve_kinds(frame)
    assert kinds == {"bimodal": "continuous", "age": "integer", "gain": "integer", "with_nan": "continuous",
                     "colour": "discrete", "flag": "discrete", "day": "datetime", "level": "discrete"}
    assert detect_kind(pd.Series([1, 2, 3, 2, 1])) == "discrete"  # few distinct whole numbers
    assert detect_kind(pd.Series([1.0, np.nan] + list(range(50)))) == "integer"  # ints with NaN stored as float


def test_overrides(frame):
    kinds = resolve_kinds(frame, discrete_columns=["age"], column_kinds={"gain": "continuous"})
    assert kinds["age"] == "discrete" and kinds["gain"] == "continuous"


def test_spans_cover_output_exactly(fitted):
    pos = 0
    for span in fitted.spans:
        assert isinstance(span, Span) and span.start == pos and span.width >= 1
        assert span.activation in ("tanh", "softmax")
        assert (span.activation == "tanh") == (span.role == "value") and (span.width == 1 or span.activation == "softmax")
        pos += span.width
    assert pos == fitted.output_dim
    assert [c.name for c in fitted.columns] == list(mixed_frame(10).columns)
    assert all(isinstance(c, ColumnSpec) for c in fitted.columns)


def test_transform_is_valid_encoding(frame, fitted):
    x = fitted.transform(frame)
    assert x.dtype == np.float32 and x.shape == (len(frame), fitted.output_dim)
    for span in fitted.spans:
        block = x[:, span.start:span.start + span.width]
        if span.activation == "softmax":
            assert set(np.unique(block)) <= {0.0, 1.0} and (block.sum(1) == 1).all(), span
        else:
            assert (np.abs(block) <= 1).all()
    # deterministic
    assert np.array_equal(x, fitted.transform(frame))


def test_round_trip(frame, fitted):
    back = fitted.inverse_transform(fitted.transform(frame))
    assert list(back.columns) == list(frame.columns) and len(back) == len(frame)
    for col in ("bimodal", "with_nan"):
        a, b = frame[col].to_numpy(), back[col].to_numpy()
        assert (np.isnan(a) == np.isnan(b)).all(), col  # missing where missing
        ok = ~np.isnan(a)
        assert np.allclose(a[ok], b[ok], rtol=1e-5, atol=1e-4), col
    for col in ("age", "gain"):  # integers stay integers, exactly
        assert back[col].dtype == np.int64 and (back[col] == frame[col]).all()
    assert ((back["gain"] == 0) == (frame["gain"] == 0)).all()  # point mass exact
    pd.testing.assert_series_equal(back["colour"].fillna("NA").astype(object), frame["colour"].fillna("NA"),
                                   check_dtype=False)
    assert back["colour"].isna().sum() == frame["colour"].isna().sum()
    assert back["flag"].dtype == bool and (back["flag"] == frame["flag"]).all()
    assert back["day"].dtype == frame["day"].dtype and (back["day"] == frame["day"]).all()
    assert isinstance(back["level"].dtype, pd.CategoricalDtype) and back["level"].dtype == frame["level"].dtype
    assert (back["level"] == frame["level"]).all()


def test_point_mass_and_missing_layout(fitted, frame):
    gain = next(c for c in fitted.columns if c.name == "gain")
    assert gain.point_masses == [0.0] and abs(gain.point_mass_rates[0] - (frame["gain"] == 0).mean()) < 1e-12
    roles = [s.role for s in fitted.column_spans("gain")]
    assert roles == ["value", "mode", "point_mass"]
    roles = [s.role for s in fitted.column_spans("with_nan")]
    assert roles == ["value", "mode", "missing"]
    assert [s.column for s in fitted.condition_spans()] == ["colour", "flag", "level"]


def test_inverse_of_noisy_output_keeps_range_and_types(fitted, frame):
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.normal(0, 3, (500, fitted.output_dim)).astype(np.float32))
    out = fitted.inverse_transform(x)
    assert out["age"].between(frame["age"].min(), frame["age"].max()).all()
    assert out["bimodal"].between(frame["bimodal"].min(), frame["bimodal"].max()).all()
    assert set(out["colour"].dropna()) <= {"red", "green", "blue"}
    assert out["gain"].dtype == np.int64


def test_generated_rates_follow_the_selector(fitted):
    """Rates of point masses and missing values are set by their softmax block."""
    n = 1000
    x = np.zeros((n, fitted.output_dim), np.float32)
    span = next(s for s in fitted.column_spans("gain") if s.role == "point_mass")
    x[: n // 4, span.start + 1] = 1  # the point mass slot
    x[n // 4:, span.start] = 1  # the continuous slot
    out = fitted.inverse_transform(x)
    zeros = (out["gain"] == 0).to_numpy()
    assert zeros[: n // 4].all()


def test_json_round_trip_identical(frame, fitted):
    d = json.loads(json.dumps(fitted.to_dict()))
    again = TabularTransformer.from_dict(d)
    assert again.spans == fitted.spans and again.output_dim == fitted.output_dim
    x = fitted.transform(frame)
    assert np.array_equal(again.transform(frame), x)
    pd.testing.assert_frame_equal(again.inverse_transform(x), fitted.inverse_transform(x))


def test_fit_is_reproducible(frame):
    a = TabularTransformer(n_jobs=1, fit_rows=500, seed=3).fit(frame).to_dict()
    b = TabularTransformer(n_jobs=2, fit_rows=500, seed=3).fit(frame).to_dict()
    assert a["columns"] == b["columns"]


def test_category_index(fitted):
    assert fitted.category_index("colour", "red") == 0  # most frequent first
    span = next(s for s in fitted.condition_spans() if s.column == "colour")
    assert fitted.category_index("colour", None) == span.width - 1
    with pytest.raises(ValueError, match="'purple'.*'colour'.*'red'"):
        fitted.category_index("colour", "purple")
    with pytest.raises(ValueError, match="unknown column 'nope'"):
        fitted.category_index("nope", "red")
    with pytest.raises(ValueError, match="not discrete"):
        fitted.category_index("age", 30)


def test_high_cardinality_is_bounded():
    rng = np.random.default_rng(0)
    n = 20000
    ids = np.where(rng.random(n) < 0.5, rng.choice(["a", "b", "c"], n), [f"id{i}" for i in rng.integers(0, 1000, n)])
    df = pd.DataFrame({"id": ids, "v": rng.normal(size=n)})
    t = TabularTransformer(max_categories=50, max_tail=2000, n_jobs=1).fit(df)
    span = t.condition_spans()[0]
    assert span.width == 50 and t.output_dim < 50 + 15
    spec = t.columns[0]
    assert spec.other and len(spec.tail_values) <= 2000
    counts = df["id"].value_counts()
    assert spec.n_rare == (counts < 5).sum() > 0 and not set(spec.tail_values) & set(counts.index[counts < 5])
    back = t.inverse_transform(t.transform(df))
    # kept categories exact; "other" resampled from the tail at the right rate
    kept = df["id"].isin(spec.categories)
    assert (back["id"][kept] == df["id"][kept]).all()
    assert not back["id"][~kept].isin(spec.categories).any()
    with pytest.raises(ValueError, match="other"):
        t.category_index("id", spec.tail_values[0])
    # "other" draws: reproducible with a seed, fresh from call to call without one
    x = t.transform(df.iloc[:2000])
    assert t.inverse_transform(x, seed=1)["id"].equals(t.inverse_transform(x, seed=1)["id"])
    assert not t.inverse_transform(x)["id"].equals(t.inverse_transform(x)["id"])


def test_describe(fitted):
    text = fitted.describe()
    for name in ("bimodal", "gain", "colour", "day", "point mass 0", "missing"):
        assert name in text
    assert str(fitted.output_dim) in text.splitlines()[-1]


@pytest.mark.parametrize("df, discrete, match", [
    (pd.DataFrame(), None, "no columns"),
    (pd.DataFrame({"a": []}), None, "no rows"),
    (pd.DataFrame({"a": [1.0, 2.0], "b": [np.nan, np.nan]}), None, "'b' is entirely missing"),
    (pd.DataFrame({"a": [1.0, np.inf, 3.0, 4.5]}), None, "'a' has 1 infinite"),
    (pd.DataFrame({"a": [1.5, 2.5]}), ["zz"], "unknown column 'zz'"),
])
def test_bad_input(df, discrete, match):
    with pytest.raises(DataError, match=match):
        TabularTransformer(n_jobs=1).fit(df, discrete_columns=discrete)


def test_bad_input_more(fitted, frame):
    with pytest.raises(DataError, match="unknown kind"):
        TabularTransformer().fit(frame, column_kinds={"age": "ordinal"})
    with pytest.raises(DataError, match="'colour'.*'purple'"):
        fitted.transform(frame.assign(colour="purple"))
    with pytest.raises(DataError, match="missing from the table: 'age'"):
        fitted.transform(frame.drop(columns="age"))
    with pytest.raises(DataError, match="'colour' is treated as numeric"):
        TabularTransformer().fit(frame, column_kinds={"colour": "continuous"})
    with pytest.raises(DataError, match="shape"):
        fitted.inverse_transform(np.zeros((3, 2)))
    with pytest.raises(DataError, match="DataFrame"):
        TabularTransformer().fit(np.zeros((3, 3)))
    with pytest.raises(RuntimeError, match="not fitted"):
        TabularTransformer().transform(frame)


def test_mixture_finds_the_modes(fitted, frame):
    spec = next(c for c in fitted.columns if c.name == "bimodal")
    big = [(w, m, s) for w, m, s in zip(spec.weights, spec.means, spec.stds) if w > 0.05]
    lows = [t for t in big if t[1] < 0]
    highs = [t for t in big if t[1] > 0]
    assert abs(sum(t[0] for t in lows) - 0.4) < 0.05 and abs(sum(t[0] for t in highs) - 0.6) < 0.05
    assert all(abs(m + 5) < 1 for _, m, _ in lows)
    # every training value lies within 4 sigma of some mode: the encoding is lossless
    x = frame["bimodal"].to_numpy()[:, None]
    assert (np.abs(x - np.array(spec.means)) / (4 * np.array(spec.stds))).min(1).max() <= 1 + 1e-6


def test_rare_categories_are_pooled_never_stored_nor_sampled():
    rng = np.random.default_rng(0)
    n = 1000
    names = np.where(rng.random(n) < 0.95, rng.choice(["Paris", "Lyon"], n), [f"Village{i}" for i in range(n)])
    sizes = np.where(rng.random(n) < 0.97, rng.choice([1, 2, 3], n), 7 + np.arange(n) % 20)  # 20 rare values
    df = pd.DataFrame({"town": names, "size": sizes, "level": pd.Categorical(names), "v": rng.normal(size=n)})
    rare = {v for v in df["town"] if v.startswith("Village")}
    t = TabularTransformer(n_jobs=1, max_discrete_int=30).fit(df)
    state = json.dumps(t.to_dict())
    assert not [v for v in rare if v in state]
    spec = t._spec("town")
    assert sorted(spec.categories) == ["Lyon", "Paris"] and spec.n_rare == len(rare) and spec.tail_values is None
    assert "seen < 5 times, sampled as '<other>'" in t.describe()
    x = np.zeros((600, t.output_dim), dtype=np.float32)
    for col in ("town", "size", "level"):  # every row drawn as "other"
        sp = t.column_spans(col)[0]
        x[:, sp.start + len(t._spec(col).categories)] = 1.0
    back = t.inverse_transform(x, seed=0)
    assert (back["town"] == "<other>").all() and not back["town"].isin(rare).any()
    assert back["size"].isna().all() and str(back["size"].dtype) == "Int64"  # numbers: a missing value
    assert (back["level"] == "<other>").all() and "Village0" not in back["level"].cat.categories
    kept = TabularTransformer(n_jobs=1, min_category_count=1, max_discrete_int=30).fit(df)
    assert kept._spec("town").n_rare == 0 and len(kept._spec("town").categories) == 2 + len(rare)
    with pytest.raises(ValueError, match="min_category_count"):
        TabularTransformer(min_category_count=0)


def test_continuous_columns_keep_their_decimals():
    rng = np.random.default_rng(0)
    n = 500
    df = pd.DataFrame({"price": rng.normal(50, 10, n).round(2), "ratio": rng.random(n).round(4),
                       "raw": rng.normal(size=n), "count": rng.integers(0, 1000, n)})
    t = TabularTransformer(n_jobs=1).fit(df)
    assert [c.decimals for c in t.columns] == [2, 4, None, None]
    assert "2 decimals" in t.describe()
    noisy = t.transform(df)
    noisy[:, [s.start for s in t.spans if s.role == "value"]] += 0.01 * rng.normal(size=(n, 4)).astype(np.float32)
    back = t.inverse_transform(noisy)
    assert np.allclose(back["price"], back["price"].round(2), rtol=0, atol=1e-12)
    assert np.allclose(back["ratio"], back["ratio"].round(4), rtol=0, atol=1e-12)
    assert not np.allclose(back["raw"], back["raw"].round(6), rtol=0, atol=1e-12)
    assert back["count"].dtype == np.int64
    assert back["price"].map(lambda v: len(repr(v).split(".")[1]) <= 2).all()  # written as 52.13, not 52.1300001


def test_a_description_without_the_new_fields_still_loads(fitted, frame):
    d = json.loads(json.dumps(fitted.to_dict()))
    for key in ("min_category_count", "identifiers"):
        d["params"].pop(key)
    for c in d["columns"]:
        for key in ("datetime_format", "decimals", "min_count", "n_rare", "rare_share", "rare_marker", "identifier"):
            c.pop(key)
    old = TabularTransformer.from_dict(d)
    x = fitted.transform(frame.iloc[:50])
    pd.testing.assert_frame_equal(old.inverse_transform(x, seed=0), fitted.inverse_transform(x, seed=0),
                                  check_exact=False, rtol=1e-9)
