"""Rubin's rules: one estimate, with its uncertainty, from the m completed data sets of multiple imputation.

For estimates ``q_i`` with variances ``u_i`` (i = 1..m): the pooled estimate ``q = mean(q_i)``, the
within-imputation variance ``W = mean(u_i)``, the between-imputation variance ``B = var(q_i, ddof=1)``,
the total ``T = W + (1 + 1/m) B``, and the degrees of freedom of Rubin (1987),
``nu = (m - 1) (1 + W / ((1 + 1/m) B))^2`` (infinite when B is 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ganforge.errors import DataError


@dataclass
class Pooled:
    """A pooled estimate: ``estimate``, ``within``, ``between``, ``total`` variance, ``df``, and its ``ci(level)``."""

    estimate: float
    within: float
    between: float
    total: float
    df: float
    m: int

    @property
    def se(self) -> float:
        return float(np.sqrt(self.total))

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        t = stats.t.ppf(0.5 + level / 2, self.df) if np.isfinite(self.df) else stats.norm.ppf(0.5 + level / 2)
        return self.estimate - t * self.se, self.estimate + t * self.se


def pool(estimates: Sequence[float], variances: Sequence[float]) -> Pooled:
    """Rubin's rules over ``m >= 2`` estimates and their (squared standard error) variances."""
    q = np.asarray(estimates, dtype=np.float64)
    u = np.asarray(variances, dtype=np.float64)
    if q.ndim != 1 or q.shape != u.shape or len(q) < 2:
        raise DataError(f"pooling needs m >= 2 estimates with one variance each, got {q.shape} and {u.shape}")
    m = len(q)
    within, between = float(u.mean()), float(q.var(ddof=1))
    total = within + (1 + 1 / m) * between
    df = float("inf") if between == 0 else (m - 1) * (1 + within / ((1 + 1 / m) * between)) ** 2
    return Pooled(float(q.mean()), within, between, total, df, m)


def _column(data: Any, column: Any) -> np.ndarray:
    if isinstance(data, pd.DataFrame):
        if column not in data.columns:
            raise DataError(f"no column {column!r} in the imputed tables")
        return pd.to_numeric(data[column]).to_numpy(dtype=np.float64)
    return np.asarray(data, dtype=np.float64)[:, column]


def pool_mean(imputations: Sequence[Any], column: Any) -> Pooled:
    """The mean of ``column`` (a name, or a position in arrays) pooled over the completed tables."""
    values = [_column(d, column) for d in imputations]
    return pool([v.mean() for v in values], [v.var(ddof=1) / len(v) for v in values])


def pool_regression(imputations: Sequence[Any], y: Any, X: Sequence[Any]) -> dict[str, Pooled]:
    """Ordinary least squares of column ``y`` on columns ``X`` (with an intercept) in every completed table,
    each coefficient pooled: ``{"intercept": Pooled, x: Pooled, ...}``."""
    names = ["intercept", *map(str, X)]
    coefs, variances = [], []
    for d in imputations:
        target = _column(d, y)
        design = np.column_stack([np.ones(len(target)), *[_column(d, x) for x in X]])
        n, p = design.shape
        if n <= p:
            raise DataError(f"regression needs more rows ({n}) than coefficients ({p})")
        beta, *_ = np.linalg.lstsq(design, target, rcond=None)
        resid = target - design @ beta
        sigma2 = resid @ resid / (n - p)
        cov = sigma2 * np.linalg.pinv(design.T @ design)
        coefs.append(beta)
        variances.append(np.diag(cov))
    coefs, variances = np.array(coefs), np.array(variances)
    return {name: pool(coefs[:, k], variances[:, k]) for k, name in enumerate(names)}
