"""ganforge.tabular.calibration: raking matches one-way shares, keeps rows whole, draws without
replacement; the private TabularGAN samples calibrated rows, saves and loads its reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ganforge.errors import CheckpointError, ConfigError
from ganforge.tabular import TabularGAN
from ganforge.tabular.calibration import Marginals, draw

KINDS = {"colour": "discrete", "size": "continuous", "n": "integer", "id": "identifier"}


def _table(n, p_red, mean, seed):
    rng = np.random.default_rng(seed)
    colour = np.where(rng.random(n) < p_red, "red", "blue").astype(object)
    size = rng.normal(mean, 1.0, n) + (colour == "red") * 2.0  # size depends on colour
    size[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({"colour": colour, "size": size, "n": rng.integers(0, 5, n),
                         "id": [f"x{i}" for i in range(n)]})


def _shares(spec, marginals, col, table):
    return np.bincount(marginals._codes_of(spec, table[col]), minlength=len(spec["shares"]))[:len(spec["shares"])] \
        / len(table)


def test_raking_matches_the_references_shares_and_keeps_the_relation():
    ref = _table(20_000, 0.7, 0.0, 0)
    pool = _table(30_000, 0.45, 0.5, 1)  # wrong colour share, shifted sizes
    m = Marginals.of(ref, KINDS)
    assert set(m.columns) == {"colour", "size", "n"}  # identifiers are not calibrated
    w = m.weights(pool)
    for col, spec in m.columns.items():
        weighted = np.bincount(m._codes_of(spec, pool[col]), weights=w, minlength=len(spec["shares"]) + 1) / w.sum()
        assert np.abs(weighted[:len(spec["shares"])] - spec["shares"]).max() < 0.01, col
    out = draw(pool, w, 10_000, np.random.default_rng(0))
    before = np.abs(_shares(m.columns["colour"], m, "colour", pool.head(10_000)) - m.columns["colour"]["shares"]).max()
    after = np.abs(_shares(m.columns["colour"], m, "colour", out) - m.columns["colour"]["shares"]).max()
    assert before > 0.2 and after < 0.02
    assert out["id"].is_unique and out["id"].isin(pool["id"]).all()  # whole rows of the pool, none twice
    red = out["colour"] == "red"
    assert out.loc[red, "size"].mean() - out.loc[~red, "size"].mean() > 1.5  # the relation the pool had


def test_values_the_reference_lacks_get_no_weight():
    ref = pd.DataFrame({"c": ["a", "b"] * 50})
    pool = pd.DataFrame({"c": ["a", "b", "zzz"] * 40})
    w = Marginals.of(ref, {"c": "discrete"}).weights(pool)
    assert (w[pool["c"] == "zzz"] == 0).all() and (w[pool["c"] != "zzz"] > 0).all()
    out = draw(pool, w, 50, np.random.default_rng(0))
    assert "zzz" not in set(out["c"])


def test_numbers_match_whatever_their_dtype():
    ref = pd.DataFrame({"k": [1, 2, 2, 3] * 25})  # ints in the reference, floats from the generator
    m = Marginals.of(ref, {"k": "discrete"})
    pool = pd.DataFrame({"k": [1.0, 2.0, 3.0, np.nan] * 30})
    w = m.weights(pool)
    assert (w[pool["k"].isna()] == 0).all()
    assert np.isclose(w[pool["k"] == 2.0].sum() / w.sum(), 0.5)


def test_draw_includes_each_row_in_proportion_to_its_weight_at_most_once():
    pool = pd.DataFrame({"i": np.arange(6)})
    w = np.array([4.0, 2.0, 1.0, 1.0, 0.0, 20.0])  # row 5 is capped at 1
    counts = np.zeros(6)
    rng = np.random.default_rng(0)
    for _ in range(4000):
        out = draw(pool, w, 3, rng)
        assert out["i"].is_unique and len(out) == 3
        counts[out["i"]] += 1
    expected = np.array([1.0, 0.5, 0.25, 0.25, 0.0, 1.0])  # row 5 taken always; 2 more in proportion 4:2:1:1
    assert np.abs(counts / 4000 - expected).max() < 0.03


def test_draw_refuses_a_pool_too_small():
    with pytest.raises(ValueError, match="pool of 3 rows"):
        draw(pd.DataFrame({"a": [1, 2, 3]}), np.ones(3), 5, np.random.default_rng(0))


def test_round_trip_and_malformed_reference():
    m = Marginals.of(_table(500, 0.5, 0.0, 0), KINDS)
    assert Marginals.from_dict(m.to_dict()).columns == m.columns
    bad = m.to_dict()
    bad["columns"]["colour"]["shares"] = [1.0]
    with pytest.raises(CheckpointError, match="calibration"):
        Marginals.from_dict(bad)


def _people(n=300, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"sex": rng.choice(["F", "M"], n, p=[0.8, 0.2]), "age": rng.integers(18, 80, n)})


def test_private_model_samples_calibrated_rows_and_saves_the_reference(tmp_path):
    df = _people()
    model = TabularGAN(epsilon=5, epochs=1, batch_size=50, verbose=False, seed=0).fit(df)
    assert set(model.marginals_.columns) == {"sex"}  # categories only: numbers are left as generated
    target = dict(zip(model.marginals_.columns["sex"]["values"], model.marginals_.columns["sex"]["shares"]))
    raw = TabularGAN(**{**model.get_params(), "calibrate": False})
    raw.transformer_, raw.gan_, raw.marginals_ = model.transformer_, model.gan_, model.marginals_
    calibrated, plain = model.sample(600, seed=3), raw.sample(600, seed=3)
    err = lambda t: abs((t["sex"] == "F").mean() - target["F"])
    assert err(calibrated) <= err(plain) + 0.02 and err(calibrated) < 0.1
    assert model.sample(600, seed=3).equals(calibrated)  # reproducible
    assert (model.sample(40, conditions={"sex": "M"})["sex"] == "M").all()  # conditional: not calibrated
    model.save(tmp_path / "m")
    loaded = TabularGAN.load(tmp_path / "m")
    assert loaded.marginals_.columns == model.marginals_.columns
    assert loaded.sample(600, seed=3).equals(calibrated)


def test_with_share_sets_one_value_and_scales_the_others():
    m = Marginals({"c": {"values": ["a", "b", "<other>"], "shares": [0.5, 0.3, 0.1, 0.1]}})
    shares = m.with_share("c", "<other>", 0.0).columns["c"]["shares"]
    assert shares == pytest.approx([0.5 / 0.9, 0.3 / 0.9, 0.0, 0.1 / 0.9])
    assert m.with_share("c", "zzz", 0.5) is m and m.with_share("d", "a", 0.5) is m
    assert m.columns["c"]["shares"] == [0.5, 0.3, 0.1, 0.1]  # a new object; this one is unchanged


def test_a_private_binary_column_whose_values_are_both_released_samples_no_pooled_value():
    model = TabularGAN(epsilon=5, epochs=1, batch_size=50, verbose=False, seed=0).fit(_people())
    assert model.marginals_.columns["sex"]["shares"][model.marginals_.columns["sex"]["values"].index("<other>")] == 0
    assert "<other>" not in set(model.sample(5000, seed=1)["sex"])


def test_ordinary_models_are_not_calibrated_and_the_flag_is_checked():
    assert TabularGAN(epochs=1, batch_size=50, verbose=False).fit(_people()).marginals_ is None
    with pytest.raises(ConfigError, match="calibrate"):
        TabularGAN(calibrate="yes")
