"""Empirical privacy audit with canary records, in one training run (Steinke, Nasr and Jagielski 2023).

``m`` canaries -- rows drawn column by column at random (each category equally likely, numbers uniform
over the column's range), so unlike any real row -- are each put into the training table with
probability 1/2. After training, each canary is scored by ``-distance`` to its nearest synthetic row;
the attack guesses "in" for the ``k`` highest scores and "out" for the ``k`` lowest. Under
(epsilon, delta)-DP the number of right guesses among the ``r = 2k`` is at most a Binomial(r,
e^eps / (1 + e^eps)) draw, except with probability about ``m * delta`` (the paper's Theorem 3.1; its
delta term is bounded here by ``m * delta``, a loose allowance). The lower bound is the largest epsilon
the observed count rejects at 95% confidence. A generator that copies its rows scores its canaries at
distance 0 and is caught; a correct DP generator gives a bound below its accountant's epsilon, and a
bound above it means measured leakage beyond the guarantee -- a broken implementation.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

from ganforge.metrics.tabular.prepare import NUMERIC_KINDS

from .attacks import _nearest, encode

__all__ = ["audit", "epsilon_lower_bound", "make_canaries"]


def make_canaries(df: pd.DataFrame, kinds: dict[str, str], m: int, seed: int = 0) -> pd.DataFrame:
    """``m`` rows with ``df``'s columns and dtypes, each value drawn independently and uniformly."""
    rng = np.random.default_rng([seed, 23])
    out = {}
    for col in df.columns:
        s = df[col].dropna()
        if kinds[col] in NUMERIC_KINDS:
            x = pd.to_numeric(s, errors="coerce").dropna().to_numpy(dtype=float)
            v = rng.uniform(x.min(), x.max(), m) if len(x) else np.zeros(m)
            out[col] = np.round(v) if kinds[col] == "integer" else v
        else:
            values = s.unique() if len(s) else np.array(["?"])
            out[col] = values[rng.integers(len(values), size=m)]
    canaries = pd.DataFrame(out)
    for col in df.columns:
        try:
            canaries[col] = canaries[col].astype(df[col].dtype)
        except (TypeError, ValueError):
            pass
    return canaries


def epsilon_lower_bound(guesses: int, correct: int, m: int, delta: float = 0.0, confidence: float = 0.95) -> float:
    """The largest epsilon under which ``correct`` of ``guesses`` right would have probability <= 1 - confidence."""
    alpha = 1.0 - confidence
    if guesses == 0 or m * delta >= alpha:
        return 0.0

    def tail(eps: float) -> float:
        p = math.exp(eps) / (1 + math.exp(eps))
        return float(stats.binom.sf(correct - 1, guesses, p)) + m * delta

    if tail(0.0) > alpha:
        return 0.0
    lo, hi = 0.0, 50.0
    if tail(hi) <= alpha:
        return hi
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if tail(mid) <= alpha else (lo, mid)
    return lo


def audit(fit_sample: Callable[[pd.DataFrame], pd.DataFrame], train: pd.DataFrame, kinds: dict[str, str],
          m: int = 200, guesses: int | None = None, delta: float = 0.0, seed: int = 0) -> dict:
    """Insert canaries, train with ``fit_sample(table) -> synthetic table``, and measure (module docs).

    Returns TPR and FPR of calling "in" the canaries scored above the median, the right guesses, the epsilon lower bound, and the
    synthetic table (key ``synthetic``), so one training run serves the other measurements too.
    """
    rng = np.random.default_rng([seed, 29])
    canaries = make_canaries(train, kinds, m, seed)
    inside = rng.random(m) < 0.5
    table = pd.concat([train, canaries[inside]], ignore_index=True)
    table = table.iloc[rng.permutation(len(table))].reset_index(drop=True)
    synthetic = fit_sample(table)
    x = encode({"train": train, "canaries": canaries, "synthetic": synthetic}, kinds)
    score = -_nearest(x["synthetic"], x["canaries"])[0][:, 0]
    k = guesses if guesses is not None else max(1, m // 10)
    order = np.argsort(-score, kind="stable")
    top, bottom = order[:k], order[-k:]
    correct = int(inside[top].sum() + (~inside[bottom]).sum())
    n_in, n_out = int(inside.sum()), int((~inside).sum())
    above = score > np.median(score)  # TPR and FPR at the median score
    return {
        "canaries": m, "inserted": n_in, "guesses": 2 * k, "correct": correct,
        "tpr": float((above & inside).sum() / max(n_in, 1)), "fpr": float((above & ~inside).sum() / max(n_out, 1)),
        "epsilon_lower_bound": epsilon_lower_bound(2 * k, correct, m, delta),
        "confidence": 0.95, "synthetic": synthetic,
    }
