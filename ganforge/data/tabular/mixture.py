"""The 1-D variational Gaussian mixture behind mode-specific normalisation (CTGAN's encoding).

:func:`fit_mixture` fits one column's distinct values and counts; :func:`cover` widens the modes
so that every training value is encoded without clipping.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cover", "fit_mixture"]

STD_FLOOR = 1e-3  # a mode's sigma is at least this fraction of the column's spread


def _vbgmm_1d(x: np.ndarray, w: np.ndarray, k: int, prior: float = 1e-3, max_iter: int = 100,
              tol: float = 1e-4, reg: float = 1e-6):
    """Variational Gaussian mixture with a Dirichlet-process prior on 1-D values ``x`` of counts ``w``.

    The updates of scikit-learn's ``BayesianGaussianMixture(weight_concentration_prior_type=
    "dirichlet_process", covariance_type="full", init_params="kmeans")`` with its default priors
    (mean prior = data mean, mean precision 1, degrees of freedom 1, covariance prior = data
    variance), specialised to one dimension and to weighted values, so that a column is fitted
    on its distinct values and their counts -- O(distinct values x modes) per iteration instead
    of O(rows x modes), and no estimator overhead. Stops when no mode's mass moves by more than
    ``tol`` of the total. Returns (weights, means, variances), ``k`` or fewer modes.
    """
    from scipy.special import digamma

    n = float(w.sum())
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order]) / n
    c = np.unique(x[order][np.minimum(np.searchsorted(cw, (np.arange(k) + 0.5) / k), len(x) - 1)])
    for _ in range(30):  # k-means (Lloyd) from weighted quantiles: labels are intervals in 1-D
        lab = np.searchsorted((c[1:] + c[:-1]) / 2, x)
        cnt = np.bincount(lab, weights=w, minlength=len(c))
        new = np.where(cnt > 0, np.bincount(lab, weights=w * x, minlength=len(c)) / np.maximum(cnt, 1e-300), c)
        if np.allclose(new, c):
            break
        c = np.unique(new)
    k = len(c)
    lab = np.searchsorted((c[1:] + c[:-1]) / 2, x)
    resp = np.zeros((len(x), k))
    resp[np.arange(len(x)), lab] = w
    m0 = float((w * x).sum() / n)
    psi0 = float((w * (x - m0) ** 2).sum() / max(n - 1.0, 1.0))
    eps = 10 * np.finfo(float).eps
    x2 = x * x

    def m_step(rw):  # rw: responsibilities times counts
        nk = rw.sum(0) + eps
        xk = x @ rw / nk
        sk = np.maximum(x2 @ rw / nk - xk * xk, 0.0) + reg
        a = 1.0 + nk
        b = prior + np.hstack((np.cumsum(nk[::-1])[-2::-1], 0.0))
        beta = 1.0 + nk
        mu = (m0 + nk * xk) / beta
        nu = 1.0 + nk
        var = (psi0 + nk * sk + nk / beta * (xk - m0) ** 2) / nu
        return nk, a, b, beta, mu, nu, var

    p = m_step(resp)
    for _ in range(max_iter):
        nk, a, b, beta, mu, nu, var = p
        ds = digamma(a + b)
        log_w = digamma(a) - ds + np.hstack((0.0, np.cumsum(digamma(b) - ds)[:-1]))
        const = log_w - 0.5 * np.log(var * nu) + 0.5 * (np.log(2.0) + digamma(0.5 * nu) - 1.0 / beta)
        r = const - (0.5 / var) * (x[:, None] - mu) ** 2
        r -= r.max(1, keepdims=True)
        np.exp(r, out=r)
        r *= (w / r.sum(1))[:, None]
        p = m_step(r)
        if np.abs(p[0] - nk).max() < tol * n:
            break
    nk, a, b, beta, mu, nu, var = p
    stick = a / (a + b)
    weights = stick * np.hstack((1.0, np.cumprod(b / (a + b))[:-1]))
    return weights / weights.sum(), mu, var


def fit_mixture(values: np.ndarray, counts: np.ndarray, max_modes: int, weight_threshold: float):
    """Mixture of one column's distinct ``values`` (with ``counts``): (weights, means, stds) of the kept modes."""
    x = np.asarray(values, dtype=np.float64)
    w = np.asarray(counts, dtype=np.float64)
    centre = float((w * x).sum() / w.sum())
    scale = float(np.sqrt((w * (x - centre) ** 2).sum() / w.sum()))
    if len(x) < 2 or not scale > 0:
        return [1.0], [centre], [scale if scale > 0 else 1.0]
    weights, means, var = _vbgmm_1d((x - centre) / scale, w, min(max_modes, len(x)))
    keep = weights > weight_threshold
    if not keep.any():
        keep = weights == weights.max()
    means = means[keep] * scale + centre
    stds = np.maximum(np.sqrt(var[keep]) * scale, STD_FLOOR * scale)
    weights = weights[keep] / weights[keep].sum()
    order = np.argsort(means, kind="stable")
    return [float(v) for v in weights[order]], [float(v) for v in means[order]], [float(v) for v in stds[order]]


def cover(mu: np.ndarray, sd: np.ndarray, values: np.ndarray) -> list[float]:
    """Widen modes so every training value lies within 4 sigma of some mode (a lossless encoding).

    A value farther than that from every mode (an outlier past the outermost mode, or in a gap
    between narrow ones) widens the mode nearest to it in sigmas just enough to reach it.
    """
    sd = sd.copy()
    for chunk in np.array_split(values, max(1, len(values) // 65536)):
        a = np.abs(chunk[:, None] - mu) / (4 * sd)
        k = a.argmin(1)
        far = a[np.arange(len(chunk)), k] > 1
        if far.any():
            need = np.zeros(len(mu))
            np.maximum.at(need, k[far], np.abs(chunk[far] - mu[k[far]]) / 4 * (1 + 1e-9))
            sd = np.maximum(sd, need)
    return [float(v) for v in sd]
