"""Fidelity of a synthetic table: per-column shapes, pair trends, and a detection classifier's AUC
(see :mod:`ganforge.metrics.tabular`)."""

from __future__ import annotations

import math
import warnings
from typing import Sequence

import numpy as np

from .prepare import _MISSING, NUMERIC_KINDS, _Columns, _Features, _limited, _sample_rows


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic (as ``scipy.stats.ks_2samp``, without its p-value's cost)."""
    a, b = np.sort(a[~np.isnan(a)]), np.sort(b[~np.isnan(b)])
    if len(a) == 0 or len(b) == 0:
        return float(len(a) != len(b))
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / len(a)
    cdf_b = np.searchsorted(b, grid, side="right") / len(b)
    return float(np.abs(cdf_a - cdf_b).max())


def _tvd(a: np.ndarray, b: np.ndarray, n: int) -> float:
    p = np.bincount(a, minlength=n) / max(len(a), 1)
    q = np.bincount(b, minlength=n) / max(len(b), 1)
    return float(0.5 * np.abs(p - q).sum())


def column_shapes(cols: _Columns, a: str = "real", b: str = "synthetic") -> dict:
    """Per-column shape scores (1 - KS or 1 - TVD), their mean, and missing rates."""
    per = {}
    for col, kind in cols.kinds.items():
        if kind in NUMERIC_KINDS:
            x, y = cols.numeric[col][a], cols.numeric[col][b]
            stat, metric = _ks(x, y), "KS"
            miss = (float(np.isnan(x).mean()), float(np.isnan(y).mean()))
        else:
            x, y = cols.codes[col][a], cols.codes[col][b]
            stat, metric = _tvd(x, y, len(cols.labels[col])), "TVD"
            m = cols.labels[col].index(_MISSING) if _MISSING in cols.labels[col] else -1
            miss = (float((x == m).mean()), float((y == m).mean()))
        per[col] = {"kind": kind, "metric": metric, "statistic": stat, "score": 1.0 - stat,
                    "missing_real": miss[0], "missing_synthetic": miss[1]}
    scores = [v["score"] for v in per.values()]
    return {"mean": float(np.mean(scores)), "per_column": per}


def _binned(cols: _Columns, col: str, tables: Sequence[str], bins: int = 10) -> tuple[dict, int]:
    """A numeric column as codes of (at most) ``bins`` bins at the first table's quantiles; NaN its own bin."""
    ref = cols.numeric[col][tables[0]]
    ref = ref[~np.isnan(ref)]
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1])) if len(ref) else np.array([])
    out = {}
    for t in tables:
        x = cols.numeric[col][t]
        c = np.searchsorted(edges, x, side="right")
        c[np.isnan(x)] = len(edges) + 1
        out[t] = c
    return out, len(edges) + 2


def pair_trends(cols: _Columns, a: str = "real", b: str = "synthetic", max_pairs: int | None = None) -> dict:
    """Pair-trend scores for every pair of columns (correlation or contingency similarity) and their mean."""
    names = list(cols.kinds)
    coded = {}
    for col in names:
        if cols.kinds[col] in NUMERIC_KINDS:
            coded[col] = _binned(cols, col, [a, b])
        else:
            coded[col] = ({t: cols.codes[col][t] for t in (a, b)}, len(cols.labels[col]))
    pairs = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            c1, c2 = names[i], names[j]
            if cols.kinds[c1] in NUMERIC_KINDS and cols.kinds[c2] in NUMERIC_KINDS:
                r = [_pearson(cols.numeric[c1][t], cols.numeric[c2][t]) for t in (a, b)]
                if any(math.isnan(v) for v in r):
                    score = float("nan")
                else:
                    score = 1.0 - abs(r[0] - r[1]) / 2
                pairs.append({"columns": [c1, c2], "metric": "correlation", "real": r[0], "synthetic": r[1],
                              "score": score})
            else:
                (k1, n1), (k2, n2) = coded[c1], coded[c2]
                tvd = _tvd(k1[a] * n2 + k2[a], k1[b] * n2 + k2[b], n1 * n2)
                pairs.append({"columns": [c1, c2], "metric": "contingency", "score": 1.0 - tvd})
            if max_pairs and len(pairs) >= max_pairs:
                break
    scores = [p["score"] for p in pairs if not math.isnan(p["score"])]
    return {"mean": float(np.mean(scores)) if scores else float("nan"), "pairs": pairs}


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])



@_limited
def detection_auc(cols: _Columns, a: str = "real", b: str = "synthetic", model: str = "gbm", folds: int = 5,
                  max_rows: int | None = 10_000, seed: int = 0) -> dict:
    """Cross-validated ROC AUC of a classifier telling ``a`` rows from ``b`` rows (equal numbers of each)."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    rng = np.random.default_rng(seed)
    n_a, n_b = len(cols.tables[a]), len(cols.tables[b])
    n = min(n_a, n_b, max_rows or max(n_a, n_b))
    ra, rb = _sample_rows(n_a, n, rng), _sample_rows(n_b, n, rng)
    clf = _detector(model, seed)
    folds = min(folds, n)
    if folds < 2:
        return {"auc": float("nan"), "model": model, "folds": folds, "n_per_class": int(n)}
    if model == "gbm":  # trees take raw numbers (NaN included) and category codes natively
        x, categorical = _ordinal_features(cols, a, [(a, ra), (b, rb)])
        clf.set_params(categorical_features=categorical)
    else:
        feats = _Features(cols, a)
        x = np.vstack([feats(a, ra), feats(b, rb)])
    y = np.r_[np.zeros(len(ra)), np.ones(len(rb))]
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = cross_val_predict(clf, x, y, cv=cv, method="predict_proba")[:, 1]
    return {"auc": float(roc_auc_score(y, p)), "model": model, "folds": folds, "n_per_class": int(n)}


def _ordinal_features(cols: _Columns, ref: str, parts: list[tuple[str, np.ndarray]], max_categories: int = 250):
    """Stacked rows of several tables as numbers and category codes (the ``ref`` table's most frequent
    ``max_categories`` values; the rest share one code), with the mask of categorical columns."""
    blocks, categorical = [], []
    for col, kind in cols.kinds.items():
        if kind in NUMERIC_KINDS:
            blocks.append(np.concatenate([cols.numeric[col][t][rows] for t, rows in parts]))
            categorical.append(False)
        else:
            counts = np.bincount(cols.codes[col][ref], minlength=len(cols.labels[col]))
            top = np.argsort(-counts, kind="stable")[:max_categories]
            lookup = np.full(len(cols.labels[col]), len(top), dtype=np.float64)
            lookup[top] = np.arange(len(top))
            blocks.append(np.concatenate([lookup[cols.codes[col][t][rows]] for t, rows in parts]))
            categorical.append(True)
    return np.column_stack(blocks), np.array(categorical)


def _detector(model: str, seed: int):
    if model == "gbm":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=seed)
    if model == "logistic":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=500)
    raise ValueError(f"unknown detection model {model!r}; models: gbm, logistic")
