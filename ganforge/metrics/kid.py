"""Kernel Inception Distance (Binkowski et al. 2018): unbiased MMD^2 with a cubic polynomial kernel.

``k(x, y) = (x . y / d + 1)^3``. For samples X (m) and Y (n),
``MMD^2_u = sum_{i!=j} k(x_i, x_j) / (m(m-1)) + sum_{i!=j} k(y_i, y_j) / (n(n-1)) - 2 sum_{i,j} k(x_i, y_j) / (mn)``,
an unbiased estimate of the population MMD^2 (it can be negative). KID is its mean over
``subsets`` random subsets of ``subset_size`` samples from each set (drawn without replacement
from a seeded generator), reported with the standard deviation over subsets.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ganforge.metrics import register
from ganforge.metrics.common import check_sample_counts, feature_pair, make_result

__all__ = ["kid", "mmd2_unbiased", "polynomial_kernel"]


def polynomial_kernel(x: np.ndarray, y: np.ndarray, degree: int = 3, gamma: float | None = None,
                      coef: float = 1.0) -> np.ndarray:
    gamma = 1.0 / x.shape[1] if gamma is None else gamma
    return (gamma * (x @ y.T) + coef) ** degree


def mmd2_unbiased(x: np.ndarray, y: np.ndarray, **kernel: Any) -> float:
    """Unbiased MMD^2 between the rows of ``x`` and ``y`` (at least 2 each) under the polynomial kernel."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    m, n = len(x), len(y)
    kxx, kyy, kxy = polynomial_kernel(x, x, **kernel), polynomial_kernel(y, y, **kernel), polynomial_kernel(x, y, **kernel)
    sxx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    syy = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(sxx + syy - 2 * kxy.mean())


@register("kid", values=("kid", "kid_std"), min_samples=10, sensible_samples=1000)
def kid(fake: Any, real: Any, *, extractor: Any = "auto", subsets: int = 100, subset_size: int = 1000,
        seed: int = 0, **kwargs: Any) -> dict[str, Any]:
    """KID of ``fake`` to ``real``: mean and std of the unbiased MMD^2 over random subsets.

    ``subset_size`` is capped at the smaller set's size; with ``subset_size`` >= both sizes and
    ``subsets=1`` it is the unbiased MMD^2 of the full sets.
    """
    f, r = feature_pair(fake, real, extractor, **kwargs)
    notes = check_sample_counts("kid", f.n, r.n, dim=f.dim)
    size = min(subset_size, f.n, r.n)
    if size < 2:
        from ganforge.errors import DataError

        raise DataError(f"KID needs subsets of at least 2 samples; got subset_size={subset_size}")
    rng = np.random.default_rng(seed)
    xf, xr = f.features.astype(np.float64), r.features.astype(np.float64)
    if size == f.n and size == r.n:
        subsets = 1  # whole sets: every subset would be the same
    values = []
    for _ in range(subsets):
        a = xf if size == f.n else xf[rng.choice(f.n, size, replace=False)]
        b = xr if size == r.n else xr[rng.choice(r.n, size, replace=False)]
        values.append(mmd2_unbiased(a, b))
    v = np.asarray(values)
    return make_result("kid", {"kid": float(v.mean()), "kid_std": float(v.std())}, f, r,
                       notes=notes, subsets=subsets, subset_size=size, seed=seed)
