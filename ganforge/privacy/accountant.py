"""Rényi-DP accountant for DP-SGD: the sampled Gaussian mechanism (Mironov, Talwar and Zhang 2019).

One DP-SGD step on a Poisson sample of rate ``q`` with per-row clipping to norm ``C`` and Gaussian
noise of standard deviation ``sigma * C`` is the sampled Gaussian mechanism; its Rényi divergence of
order ``alpha`` is ``log(A_alpha) / (alpha - 1)`` with ``A_alpha`` the moment of the privacy loss:

* integer ``alpha``: ``A = sum_k binom(alpha, k) (1-q)^(alpha-k) q^k exp((k^2 - k) / (2 sigma^2))``;
* fractional ``alpha``: the two convergent series of the paper's Section 3.3 (each term weighted by a
  Gaussian tail, split at ``z0 = sigma^2 log(1/q - 1) + 1/2``), summed until the terms are negligible.

RDP composes by addition over steps; ``(epsilon, delta)`` follows from the conversion of Balle et
al. 2020 (Theorem 21), minimised over the orders: ``eps = rdp - (log delta + log alpha) / (alpha - 1)
+ log((alpha - 1) / alpha)``. :func:`noise_multiplier` inverts it by bisection; the returned ``sigma``
never gives more than the asked-for epsilon. Everything is computed in log space (no overflow for
large orders or small noise).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy import special

from ganforge.errors import ConfigError

__all__ = ["ORDERS", "RDPAccountant", "epsilon", "noise_multiplier", "rdp", "default_delta"]

#: Orders at which the RDP curve is kept (those of opacus and TF-Privacy: dense near 1, then integers).
ORDERS: tuple[float, ...] = tuple([1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64)))


def default_delta(n: int) -> float:
    """The delta used when none is given: ``1 / n^1.1`` (below ``1/n``, so releasing one row whole
    is not within the guarantee)."""
    return 1.0 / max(int(n), 2) ** 1.1


def _logadd(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


def _logsub(a: float, b: float) -> float:
    """``log(exp(a) - exp(b))`` for ``a >= b``."""
    if b == -math.inf:
        return a
    if a == b:
        return -math.inf
    return a + math.log1p(-math.exp(b - a))


def _log_a_integer(q: float, sigma: float, alpha: int) -> float:
    log_a = -math.inf
    for k in range(alpha + 1):
        term = (math.log(special.binom(alpha, k)) + k * math.log(q) + (alpha - k) * math.log1p(-q)
                + (k * k - k) / (2 * sigma ** 2))
        log_a = _logadd(log_a, term)
    return log_a


def _log_erfc(x: float) -> float:
    return math.log(2.0) + float(special.log_ndtr(-x * math.sqrt(2.0)))


def _log_a_fractional(q: float, sigma: float, alpha: float) -> float:
    pos0 = pos1 = -math.inf  # the series' positive and negative parts, kept apart in log space
    neg0 = neg1 = -math.inf
    z0 = sigma ** 2 * math.log(1 / q - 1) + 0.5
    k = 0
    while True:
        coef = special.binom(alpha, k)
        log_coef = math.log(abs(coef)) if coef != 0 else -math.inf
        j = alpha - k
        t0 = log_coef + k * math.log(q) + j * math.log1p(-q)
        t1 = log_coef + j * math.log(q) + k * math.log1p(-q)
        s0 = t0 + (k * k - k) / (2 * sigma ** 2) + math.log(0.5) + _log_erfc((k - z0) / (math.sqrt(2) * sigma))
        s1 = t1 + (j * j - j) / (2 * sigma ** 2) + math.log(0.5) + _log_erfc((z0 - j) / (math.sqrt(2) * sigma))
        if coef > 0:
            pos0, pos1 = _logadd(pos0, s0), _logadd(pos1, s1)
        else:
            neg0, neg1 = _logadd(neg0, s0), _logadd(neg1, s1)
        k += 1
        if max(s0, s1) < -30 or k > 10_000:
            break
    return _logadd(_logsub(pos0, neg0), _logsub(pos1, neg1))


def _rdp_one_step(q: float, sigma: float, alpha: float) -> float:
    if q == 0:
        return 0.0
    if sigma == 0:
        return math.inf
    if q == 1.0:
        return alpha / (2 * sigma ** 2)
    if math.isinf(alpha):
        return math.inf
    log_a = _log_a_integer(q, sigma, int(alpha)) if float(alpha).is_integer() else _log_a_fractional(q, sigma, alpha)
    return log_a / (alpha - 1)


def rdp(q: float, sigma: float, steps: int, orders: Sequence[float] = ORDERS) -> np.ndarray:
    """RDP of ``steps`` sampled Gaussian mechanisms (rate ``q``, noise multiplier ``sigma``) at ``orders``."""
    return np.array([_rdp_one_step(float(q), float(sigma), float(a)) for a in orders]) * int(steps)


def epsilon(rdp_values: np.ndarray, delta: float, orders: Sequence[float] = ORDERS) -> tuple[float, float]:
    """``(epsilon, best order)`` of an RDP curve at ``delta`` (Balle et al. 2020's conversion)."""
    a = np.asarray(orders, dtype=float)
    r = np.asarray(rdp_values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        eps = r - (math.log(delta) + np.log(a)) / (a - 1) + np.log((a - 1) / a)
    eps = np.where(np.isnan(eps), np.inf, eps)
    i = int(np.argmin(eps))
    return max(float(eps[i]), 0.0), float(a[i])


def noise_multiplier(target_epsilon: float, delta: float, steps: int, sample_rate: float,
                     orders: Sequence[float] = ORDERS, tolerance: float = 0.005) -> float:
    """The smallest noise multiplier (within ``tolerance`` relative) for which ``steps`` steps at
    ``sample_rate`` spend at most ``target_epsilon`` at ``delta``."""
    if not target_epsilon > 0 or not 0 < delta < 1 or steps < 1 or not 0 < sample_rate <= 1:
        raise ConfigError(f"cannot calibrate noise for epsilon={target_epsilon}, delta={delta}, "
                          f"steps={steps}, sample rate={sample_rate}")

    def eps(sigma: float) -> float:
        return epsilon(rdp(sample_rate, sigma, steps, orders), delta, orders)[0]

    lo, hi = 0.0, 1.0
    while eps(hi) > target_epsilon:
        lo, hi = hi, hi * 2
        if hi > 1e4:
            raise ConfigError(f"epsilon={target_epsilon} cannot be met in {steps} steps at sample rate "
                              f"{sample_rate:g}; train fewer steps or use a smaller batch")
    while hi - lo > tolerance * hi:
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if eps(mid) <= target_epsilon else (mid, hi)
    return hi


class RDPAccountant:
    """Counts DP-SGD steps of one (sample rate, noise multiplier) and answers the epsilon spent."""

    def __init__(self, sample_rate: float, sigma: float, delta: float, orders: Sequence[float] = ORDERS) -> None:
        self.sample_rate, self.sigma, self.delta = float(sample_rate), float(sigma), float(delta)
        self.orders = tuple(orders)
        self._per_step = rdp(self.sample_rate, self.sigma, 1, self.orders)
        self.steps = 0

    def epsilon(self, steps: int | None = None) -> float:
        """Epsilon after ``steps`` steps (default: the steps taken so far)."""
        steps = self.steps if steps is None else steps
        return epsilon(self._per_step * steps, self.delta, self.orders)[0] if steps else 0.0

    def step(self, n: int = 1) -> None:
        self.steps += n
