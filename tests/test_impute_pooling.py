"""Rubin's rules for a mean and a regression coefficient."""

import numpy as np
import pandas as pd
import pytest

from ganforge.errors import DataError
from ganforge.impute.pooling import pool, pool_mean, pool_regression


def test_pool_by_hand():
    p = pool([1.0, 2.0, 3.0], [0.5, 0.5, 0.5])
    assert p.estimate == 2.0 and p.within == 0.5 and p.between == 1.0
    assert p.total == pytest.approx(0.5 + (4 / 3) * 1.0)
    assert p.df == pytest.approx(2 * (1 + 0.5 / (4 / 3)) ** 2)
    lo, hi = p.ci(0.95)
    assert lo < 2.0 < hi


def test_identical_imputations_give_the_complete_data_answer():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    df = pd.DataFrame({"x": x, "y": 1.5 * x + 2 + rng.normal(0, 0.1, 200)})
    m = pool_mean([df, df.copy()], "y")
    assert m.between == 0 and m.estimate == pytest.approx(df.y.mean())
    assert m.se == pytest.approx(df.y.std() / np.sqrt(200))
    coef = pool_regression([df, df], "y", ["x"])
    assert coef["x"].estimate == pytest.approx(1.5, abs=0.02) and coef["intercept"].estimate == pytest.approx(2, abs=0.02)
    assert coef["x"].between == 0


def test_spread_between_imputations_widens_the_interval():
    a = np.column_stack([np.arange(10.0), np.arange(10.0)])
    b = a + 1
    assert pool_mean([a, b], 0).total > pool_mean([a, a], 0).total


def test_pool_needs_two():
    with pytest.raises(DataError, match="m >= 2"):
        pool([1.0], [1.0])
