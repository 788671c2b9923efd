"""Frechet distance between Gaussians fitted to features (FID with Inception features; "digits-FD"
with the digits classifier's).

``FD = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2)``.

The trace of the matrix square root is computed without ever forming the non-symmetric
``S1 @ S2`` that scipy's ``sqrtm`` works on (whose square root can come out complex or inaccurate
for nearly singular covariances): ``tr((S1 S2)^1/2) = sum(sqrt(eig(S1^1/2 S2 S1^1/2)))``, with
``S1^1/2`` from a symmetric eigendecomposition, all in float64; eigenvalues that are round-off
noise of a positive semi-definite matrix (below ``d * eps * largest``) count as 0, so a singular
covariance (fewer samples than dimensions) does not add ``sqrt(eps)``-sized errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ganforge.errors import DataError
from ganforge.metrics import register
from ganforge.metrics.common import check_sample_counts, feature_pair, make_result

__all__ = ["fid", "frechet_distance", "sqrt_psd"]


def _clean(w: np.ndarray) -> np.ndarray:
    """Eigenvalues of a PSD matrix with round-off noise (|w| below d * eps * max) set to 0."""
    tol = max(float(np.abs(w).max(initial=0.0)), 0.0) * len(w) * np.finfo(np.float64).eps
    return np.where(w > tol, w, 0.0)


def sqrt_psd(s: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric positive semi-definite matrix (round-off eigenvalues -> 0)."""
    s = (s + s.T) / 2
    w, v = np.linalg.eigh(s)
    return (v * np.sqrt(_clean(w))) @ v.T


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """The Frechet (2-Wasserstein) distance between N(mu1, sigma1) and N(mu2, sigma2), squared."""
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    s1, s2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    d = mu1.shape[0]
    if mu2.shape != (d,) or s1.shape != (d, d) or s2.shape != (d, d):
        raise DataError(f"Frechet distance: shapes do not match: mu {mu1.shape} / {mu2.shape}, "
                        f"sigma {s1.shape} / {s2.shape}")
    for name, a in (("mu1", mu1), ("sigma1", s1), ("mu2", mu2), ("sigma2", s2)):
        if not np.isfinite(a).all():
            raise DataError(f"Frechet distance: {name} contains NaN or Inf")
    r1 = sqrt_psd(s1)
    m = r1 @ ((s2 + s2.T) / 2) @ r1
    eig = np.linalg.eigvalsh((m + m.T) / 2)
    tr_sqrt = float(np.sqrt(_clean(eig)).sum())
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


@register("fid", min_samples=10, sensible_samples=lambda dim=None, **_: max(2000, dim or 0))
def fid(fake: Any, real: Any, *, extractor: Any = "auto", **kwargs: Any) -> dict[str, Any]:
    """Frechet distance of ``fake`` to ``real`` in the features of ``extractor``.

    ``fake``/``real`` are samples (images or vectors) or :class:`~ganforge.features.Features`.
    Returns ``{"metric": "fid", "values": {"fid": ...}, "n_fake", "n_real", "extractor", ...}``.
    Needs at least 10 samples per set; warns below 2,000 or below the feature dimension (a singular
    covariance), where the FID is biased and noisy.
    """
    f, r = feature_pair(fake, real, extractor, **kwargs)
    notes = check_sample_counts("fid", f.n, r.n, dim=f.dim)
    return make_result("fid", {"fid": frechet_distance(*f.stats(), *r.stats())}, f, r, notes=notes)
