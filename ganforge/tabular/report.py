"""How faithful, useful and private a synthetic table is: :func:`tabular_report`.

Fidelity (real vs synthetic):

* **shape** per column: ``1 - KS`` (two-sample Kolmogorov-Smirnov statistic on the non-missing
  values) for continuous, integer and datetime columns; ``1 - TVD`` (total variation distance
  of the category frequencies, missing counted as a category) for discrete ones. Mean = the
  shape score.
* **pair trends** per pair of columns: ``1 - |rho_real - rho_syn| / 2`` (Pearson) for two
  numeric columns; ``1 - TVD`` of the joint frequencies for two discrete ones; for a mixed
  pair the numeric column is cut into (at most) 10 bins at the real data's deciles.
* **detection**: a classifier (gradient-boosted trees, or a logistic regression) tries to tell
  real from synthetic rows (equal numbers of each), 5-fold cross-validated; the ROC AUC of its
  out-of-fold predictions. 0.5 = indistinguishable, 1 = always told apart.

Utility (``target=``): train-on-synthetic / test-on-real against train-on-real / test-on-real,
the test rows being the holdout (or, without one, 30% of the real rows, held out of the
real-trained models; the synthetic data may have seen them). Discrete target: accuracy, F1
(binary: the positive class is the real data's minority class; multiclass: macro) and ROC
AUC, for a decision tree (max_depth 20), AdaBoost, logistic regression and an MLP (one
hidden layer of 50) -- the models of the CTGAN paper; their mean F1 is the SDGym-style *ML
efficacy*. Continuous target: R^2 of linear regression, a decision tree and an MLP.

Privacy (``holdout=``, rows of the real population the generator never saw):

* **DCR** (distance to closest record) on standardised numeric + one-hot features:
  synthetic -> train against holdout -> train (5th percentile and median; synthetic rows
  should be no closer to the training rows than unseen real rows are);
* **exact copies**: the share of synthetic rows equal to some training row, and the same
  share for holdout rows as the reference;
* **membership inference AUC**: an attacker scores a row by minus its distance to the
  closest synthetic row; members = a sample of training rows, non-members = the holdout.
  0.5 = no leakage, 1 = the synthetic data gives the training rows away.

Writers: :func:`format_report` / :func:`print_report` (a table), :func:`write_json`,
:func:`write_html` (one self-contained page with inline SVG plots). The scalar metrics are
also in the metric registry: ``tabular_shape``, ``tabular_pair_trends``,
``tabular_detection``, ``tabular_utility``, ``tabular_dcr``.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ganforge.data.errors import DataError
from ganforge.metrics import register
from ganforge.provenance import provenance

from .columns import resolve_kinds

__all__ = [
    "add_report_command",
    "column_shapes",
    "detection_auc",
    "format_report",
    "pair_trends",
    "print_report",
    "privacy_metrics",
    "tabular_report",
    "utility_metrics",
    "write_html",
    "write_json",
]

NUMERIC_KINDS = ("continuous", "integer", "datetime")
_MISSING = "<missing>"


# ----------------------------------------------------------------------------- preparation


def _check_tables(real: pd.DataFrame, others: Mapping[str, pd.DataFrame | None]) -> dict[str, pd.DataFrame]:
    """Every table as a DataFrame with the real table's columns, in its order."""
    if not isinstance(real, pd.DataFrame):
        raise DataError(f"the real table must be a pandas DataFrame, got {type(real).__name__}")
    if real.shape[1] == 0 or len(real) == 0:
        raise DataError("the real table is empty")
    out = {"real": real.rename(columns=str)}
    cols = list(out["real"].columns)
    for name, df in others.items():
        if df is None:
            continue
        if not isinstance(df, pd.DataFrame):
            raise DataError(f"the {name} table must be a pandas DataFrame, got {type(df).__name__}")
        df = df.rename(columns=str)
        missing = [c for c in cols if c not in df.columns]
        extra = [c for c in df.columns if c not in cols]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing from {name}: {', '.join(map(repr, missing))}")
            if extra:
                parts.append(f"only in {name}: {', '.join(map(repr, extra))}")
            raise DataError(f"the {name} table's columns differ from the real table's ({'; '.join(parts)})")
        if len(df) == 0:
            raise DataError(f"the {name} table has no rows")
        out[name] = df[cols]
    return out


def _numeric_values(s: pd.Series, kind: str) -> np.ndarray:
    """float64 values (NaN = missing or unparsable); datetimes as nanoseconds since the epoch."""
    if kind == "datetime":
        if not pd.api.types.is_datetime64_any_dtype(s.dtype):
            s = pd.to_datetime(s, errors="coerce")
        if getattr(s.dtype, "tz", None) is not None:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        ns = s.to_numpy(dtype="datetime64[ns]")
        out = ns.astype(np.int64).astype(np.float64)
        out[np.isnat(ns)] = np.nan
        return out
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(float).to_numpy(dtype=np.float64, na_value=np.nan)
    if not pd.api.types.is_numeric_dtype(s.dtype):
        s = pd.to_numeric(s, errors="coerce")
    x = np.array(s.to_numpy(dtype=np.float64, na_value=np.nan))  # a writable copy
    x[~np.isfinite(x)] = np.nan
    return x


def _canon(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, float, np.integer, np.floating)):
        return repr(float(v))
    return str(v)


def _keys(s: pd.Series) -> np.ndarray:
    """Comparable category keys: numbers rendered as floats (9 and 9.0 alike), other values as str."""
    missing = s.isna().to_numpy()
    codes, uniques = pd.factorize(s.astype(object))
    lookup = np.array([_canon(u) for u in np.asarray(uniques, dtype=object)] + [_MISSING], dtype=object)
    keys = lookup[codes]  # code -1 (missing) picks the last entry
    keys[missing] = _MISSING
    return keys


class _Columns:
    """Per-column values of several tables, prepared once: float arrays or shared category codes."""

    def __init__(self, tables: dict[str, pd.DataFrame], kinds: dict[str, str]):
        self.tables = tables
        self.kinds = kinds
        self.numeric: dict[str, dict[str, np.ndarray]] = {}
        self.codes: dict[str, dict[str, np.ndarray]] = {}
        self.labels: dict[str, list[str]] = {}
        for col, kind in kinds.items():
            if kind in NUMERIC_KINDS:
                self.numeric[col] = {t: _numeric_values(df[col], kind) for t, df in tables.items()}
            else:
                keys = {t: _keys(df[col]) for t, df in tables.items()}
                codes, uniques = pd.factorize(np.concatenate(list(keys.values())))
                pos = 0
                self.codes[col] = {}
                for t, k in keys.items():
                    self.codes[col][t] = codes[pos:pos + len(k)]
                    pos += len(k)
                self.labels[col] = [str(u) for u in uniques]


def _limited(fn):
    """Run ``fn`` with at most ``threads`` BLAS/OpenMP threads (keyword, default 1; None = no limit)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, threads: int | None = 1, **kwargs):
        if threads is None:
            return fn(*args, **kwargs)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(threads):
            return fn(*args, **kwargs)

    return wrapper


# ----------------------------------------------------------------------------- fidelity


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


# ----------------------------------------------------------------------------- features


class _Features:
    """Rows -> float matrix: numeric columns scaled (``"standard"`` or SDGym's ``"sdgym"``) with a
    missing indicator where the reference has missing values, discrete columns one-hot (the
    ``max_categories`` most frequent reference values; the rest share a last column)."""

    def __init__(self, cols: _Columns, ref: str, scale: str = "standard", exclude: Sequence[str] = (),
                 max_categories: int = 50):
        self.cols, self.scale = cols, scale
        self.parts = []
        for col, kind in cols.kinds.items():
            if col in exclude:
                continue
            if kind in NUMERIC_KINDS:
                x = cols.numeric[col][ref]
                ok = x[~np.isnan(x)]
                fill = float(np.median(ok)) if len(ok) else 0.0
                lo, hi = (float(ok.min()), float(ok.max())) if len(ok) else (0.0, 1.0)
                mean, std = (float(ok.mean()), float(ok.std())) if len(ok) else (0.0, 1.0)
                log = scale == "sdgym" and lo >= 0 and hi >= 1e3
                self.parts.append(("num", col, fill, lo, hi, mean, std or 1.0, log, bool(np.isnan(x).any())))
            else:
                codes = cols.codes[col][ref]
                counts = np.bincount(codes, minlength=len(cols.labels[col]))
                top = np.argsort(-counts, kind="stable")[:max_categories]
                top = top[counts[top] > 0]
                lookup = np.full(len(cols.labels[col]), len(top), dtype=np.int64)
                lookup[top] = np.arange(len(top))
                self.parts.append(("cat", col, lookup, len(top) + 1))

    def __call__(self, table: str, rows: np.ndarray | None = None) -> np.ndarray:
        blocks = []
        for part in self.parts:
            if part[0] == "num":
                _, col, fill, lo, hi, mean, std, log, ind = part
                x = self.cols.numeric[col][table]
                x = x if rows is None else x[rows]
                miss = np.isnan(x)
                x = np.where(miss, fill, x)
                if self.scale == "sdgym":
                    x = np.log(np.maximum(x, 1e-2)) if log else (x - lo) / ((hi - lo) or 1.0) * 5
                else:
                    x = (x - mean) / std
                blocks.append(x[:, None])
                if ind:
                    blocks.append(miss[:, None].astype(np.float64))
            else:
                _, col, lookup, width = part
                c = self.cols.codes[col][table]
                c = lookup[c if rows is None else c[rows]]
                oh = np.zeros((len(c), width))
                oh[np.arange(len(c)), c] = 1.0
                blocks.append(oh)
        return np.hstack(blocks).astype(np.float32) if blocks else np.zeros((0, 0), np.float32)


def _sample_rows(n: int, cap: int | None, rng) -> np.ndarray:
    if cap is None or n <= cap:
        return np.arange(n)
    return np.sort(rng.choice(n, cap, replace=False))


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


# ----------------------------------------------------------------------------- utility


def _classifiers(seed: int) -> dict:
    from sklearn.ensemble import AdaBoostClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.tree import DecisionTreeClassifier

    # As in SDGym's evaluation of the CTGAN paper (Xu et al. 2019).
    return {
        "decision_tree": DecisionTreeClassifier(max_depth=20, random_state=seed),
        "adaboost": AdaBoostClassifier(random_state=seed),
        "logistic_regression": LogisticRegression(class_weight="balanced", max_iter=50),
        "mlp": MLPClassifier(hidden_layer_sizes=(50,), max_iter=50, random_state=seed),
    }


def _regressors(seed: int) -> dict:
    from sklearn.linear_model import LinearRegression
    from sklearn.neural_network import MLPRegressor
    from sklearn.tree import DecisionTreeRegressor

    return {
        "linear_regression": LinearRegression(),
        "decision_tree": DecisionTreeRegressor(max_depth=20, random_state=seed),
        "mlp": MLPRegressor(hidden_layer_sizes=(50,), max_iter=50, random_state=seed),
    }


def _classification_scores(model, x_test, y_test, positive: int | None) -> dict:
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    pred = model.predict(x_test)
    out = {"accuracy": float(accuracy_score(y_test, pred))}
    if positive is not None:
        out["f1"] = float(f1_score(y_test, pred, pos_label=positive, average="binary", zero_division=0))
    else:
        out["f1"] = float(f1_score(y_test, pred, average="macro", zero_division=0))
    auc = float("nan")
    classes = list(model.classes_)
    try:
        proba = model.predict_proba(x_test)
        if positive is not None and positive in classes and len(np.unique(y_test)) == 2:
            auc = float(roc_auc_score(y_test == positive, proba[:, classes.index(positive)]))
        elif positive is None and set(np.unique(y_test)) <= set(classes) and len(classes) > 2:
            auc = float(roc_auc_score(y_test, proba, multi_class="ovr", labels=classes))
    except (ValueError, AttributeError):
        pass
    out["auroc"] = auc
    return out


@_limited
def utility_metrics(cols: _Columns, target: str, train: str = "real", synthetic: str = "synthetic",
                    test: str = "holdout", train_rows: np.ndarray | None = None,
                    test_rows: np.ndarray | None = None, max_rows: int | None = None, seed: int = 0) -> dict:
    """Train-on-synthetic / test-on-real against train-on-real / test-on-real for ``target``."""
    from sklearn.metrics import r2_score

    kind = cols.kinds[target]
    rng = np.random.default_rng(seed)
    feats = _Features(cols, train, scale="sdgym", exclude=[target])
    train_rows = np.arange(len(cols.tables[train])) if train_rows is None else train_rows
    test_rows = np.arange(len(cols.tables[test])) if test_rows is None else test_rows
    syn_rows = np.arange(len(cols.tables[synthetic]))
    if max_rows:
        train_rows = train_rows[_sample_rows(len(train_rows), max_rows, rng)]
        syn_rows = syn_rows[_sample_rows(len(syn_rows), max_rows, rng)]

    def xy(table, rows):
        if kind in NUMERIC_KINDS:
            y = cols.numeric[target][table][rows]
            ok = ~np.isnan(y)
        else:
            y = cols.codes[target][table][rows]
            ok = y != (cols.labels[target].index(_MISSING) if _MISSING in cols.labels[target] else -1)
        return feats(table, rows[ok]), y[ok]

    data = {"real": xy(train, train_rows), "synthetic": xy(synthetic, syn_rows)}
    x_test, y_test = xy(test, test_rows)
    result: dict[str, Any] = {"target": target, "n_train": {k: int(len(v[1])) for k, v in data.items()},
                              "n_test": int(len(y_test))}
    if kind in NUMERIC_KINDS:
        result["task"] = "regression"
        models, metric = _regressors(seed), "r2"
        positive = None
    else:
        labels = cols.labels[target]
        counts = np.bincount(data["real"][1], minlength=len(labels))
        present = np.flatnonzero(counts)
        result["task"] = "binary" if len(present) == 2 else "multiclass"
        positive = int(present[np.argmin(counts[present])]) if len(present) == 2 else None
        if positive is not None:
            result["positive_class"] = labels[positive]
        models, metric = _classifiers(seed), "f1"
    scores: dict[str, dict] = {}
    for trained_on, (x, y) in data.items():
        for name, model in models.items():
            entry = scores.setdefault(name, {})
            if len(np.unique(y)) < (1 if result["task"] == "regression" else 2):
                entry[trained_on] = {"error": "the training data has a single class"}
                continue
            from sklearn.base import clone

            m = clone(model)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m.fit(x, y)
                if result["task"] == "regression":
                    entry[trained_on] = {"r2": float(r2_score(y_test, m.predict(x_test)))}
                else:
                    entry[trained_on] = _classification_scores(m, x_test, y_test, positive)
    result["models"] = scores
    eff = {}
    for trained_on in data:
        vals = [s[trained_on].get(metric, float("nan")) for s in scores.values()]
        eff[trained_on] = float(np.mean(vals))
    result["ml_efficacy"] = {"metric": metric, **eff}
    return result


# ----------------------------------------------------------------------------- privacy


def _row_hashes(df: pd.DataFrame, kinds: dict[str, str]) -> np.ndarray:
    canon = {}
    for col, kind in kinds.items():
        if kind in NUMERIC_KINDS:
            canon[col] = _numeric_values(df[col], kind)
        else:
            canon[col] = _keys(df[col])
    return pd.util.hash_pandas_object(pd.DataFrame(canon), index=False).to_numpy()


def _nearest(ref: np.ndarray, query: np.ndarray) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(ref)
    return nn.kneighbors(query, return_distance=True)[0][:, 0]


@_limited
def privacy_metrics(cols: _Columns, train: str = "real", synthetic: str = "synthetic", holdout: str = "holdout",
                    max_rows: int | None = 10_000, seed: int = 0) -> dict:
    """DCR (synthetic->train vs holdout->train), exact-copy shares, distance-based membership AUC."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    feats = _Features(cols, train)
    train_hash = set(_row_hashes(cols.tables[train], cols.kinds).tolist())
    copies = {t: float(np.isin(_row_hashes(cols.tables[t], cols.kinds), list(train_hash)).mean())
              for t in (synthetic, holdout)}
    n_train = len(cols.tables[train])
    ref_rows = _sample_rows(n_train, None, rng)
    syn_rows = _sample_rows(len(cols.tables[synthetic]), max_rows, rng)
    hold_rows = _sample_rows(len(cols.tables[holdout]), max_rows, rng)
    x_train = feats(train, ref_rows)
    d_syn = _nearest(x_train, feats(synthetic, syn_rows))
    d_hold = _nearest(x_train, feats(holdout, hold_rows))

    def summary(d):
        return {"p5": float(np.percentile(d, 5)), "median": float(np.median(d)), "n": int(len(d))}

    # membership inference: members (training rows) vs non-members (holdout), scored by -DCR to synthetic
    n_mem = min(len(hold_rows), n_train)
    members = np.sort(rng.choice(n_train, n_mem, replace=False))
    x_syn = feats(synthetic, syn_rows)
    d_mem = _nearest(x_syn, feats(train, members))
    d_non = _nearest(x_syn, feats(holdout, hold_rows))
    labels = np.r_[np.ones(len(d_mem)), np.zeros(len(d_non))]
    mia = float(roc_auc_score(labels, -np.r_[d_mem, d_non]))
    return {
        "dcr": {"synthetic_to_train": summary(d_syn), "holdout_to_train": summary(d_hold),
                "synthetic_below_holdout_p5": float((d_syn < np.percentile(d_hold, 5)).mean())},
        "exact_copies": {"synthetic": copies[synthetic], "holdout": copies[holdout]},
        "membership_auc": mia,
        "n_members": int(n_mem),
    }


# ----------------------------------------------------------------------------- the report


def tabular_report(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    target: str | None = None,
    discrete_columns: Sequence[str] | None = None,
    seed: int = 0,
    *,
    column_kinds: Mapping[str, str] | None = None,
    detection_model: str | None = "gbm",
    max_rows: int | None = 10_000,
    utility_rows: int | None = None,
    threads: int | None = 1,
) -> dict:
    """Fidelity, utility (with ``target``) and privacy (with ``holdout``) of ``synthetic`` against ``real``.

    ``real`` is the data the generator was trained on; ``holdout`` real rows it never saw.
    Column kinds are detected on ``real`` (overridable as in the transformer). ``max_rows``
    caps the rows the detection classifier and the distance computations use per table;
    ``utility_rows`` the training rows of the utility models (``None``: all). Returns a
    JSON-serialisable dict; see the module docs for every figure. ``detection_model`` is
    ``"gbm"`` (histogram gradient boosting), ``"logistic"``, or ``None`` to skip detection.
    ``threads`` caps the BLAS / OpenMP threads of the models (``None``: the libraries' defaults).
    The default, 1, is deliberate: the models are small, and on a busy machine OpenMP threads
    waiting for each other made the detection classifier on Adult 30x slower (242 s against
    8 s with one thread, at a load of 10 on 2 CPUs).
    """
    if threads is None:
        return _report(real, synthetic, holdout, target, discrete_columns, seed, column_kinds, detection_model,
                       max_rows, utility_rows)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(threads):
        return _report(real, synthetic, holdout, target, discrete_columns, seed, column_kinds, detection_model,
                       max_rows, utility_rows)


def _report(real, synthetic, holdout, target, discrete_columns, seed, column_kinds, detection_model, max_rows,
            utility_rows) -> dict:
    start = time.perf_counter()
    tables = _check_tables(real, {"synthetic": synthetic, "holdout": holdout})
    kinds = resolve_kinds(tables["real"], discrete_columns, column_kinds)
    if target is not None and target not in kinds:
        raise DataError(f"unknown target column {target!r}; the columns are: {', '.join(kinds)}")
    cols = _Columns(tables, kinds)
    result: dict[str, Any] = {
        "n_rows": {t: int(len(df)) for t, df in tables.items()},
        "columns": kinds,
        "seed": seed,
        **provenance(),
    }
    result["fidelity"] = {
        "shape": column_shapes(cols),
        "pair_trends": pair_trends(cols),
    }
    if detection_model is not None:
        result["fidelity"]["detection"] = detection_auc(cols, model=detection_model, max_rows=max_rows, seed=seed)
    if target is not None:
        if holdout is not None:
            result["utility"] = utility_metrics(cols, target, max_rows=utility_rows, seed=seed)
        else:
            from sklearn.model_selection import train_test_split

            rows = np.arange(len(tables["real"]))
            strat = cols.codes[target]["real"] if kinds[target] == "discrete" else None
            try:
                tr, te = train_test_split(rows, test_size=0.3, random_state=seed, stratify=strat)
            except ValueError:
                tr, te = train_test_split(rows, test_size=0.3, random_state=seed)
            result["utility"] = utility_metrics(cols, target, test="real", train_rows=np.sort(tr),
                                                test_rows=np.sort(te), max_rows=utility_rows, seed=seed)
            result["utility"]["test_rows"] = "30% of the real rows (no holdout given)"
    if holdout is not None:
        result["privacy"] = privacy_metrics(cols, max_rows=max_rows, seed=seed)
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result


# ----------------------------------------------------------------------------- registry


def _prepared(real, synthetic, holdout=None, discrete_columns=None):
    tables = _check_tables(real, {"synthetic": synthetic, "holdout": holdout})
    return _Columns(tables, resolve_kinds(tables["real"], discrete_columns))


@register("tabular_shape", inputs="table", values=("shape",))
def tabular_shape(real: pd.DataFrame, synthetic: pd.DataFrame, discrete_columns=None) -> dict:
    """Mean column-shape score (1 - KS / 1 - TVD) of ``synthetic`` against ``real``."""
    r = column_shapes(_prepared(real, synthetic, discrete_columns=discrete_columns))
    return {"shape": r["mean"], "n_real": len(real), "n_synthetic": len(synthetic)}


@register("tabular_pair_trends", inputs="table", values=("pair_trends",))
def tabular_pair_trends(real: pd.DataFrame, synthetic: pd.DataFrame, discrete_columns=None) -> dict:
    """Mean pair-trend score (correlation / contingency similarity)."""
    r = pair_trends(_prepared(real, synthetic, discrete_columns=discrete_columns))
    return {"pair_trends": r["mean"], "n_real": len(real), "n_synthetic": len(synthetic)}


@register("tabular_detection", inputs="table", values=("detection_auc",))
def tabular_detection(real: pd.DataFrame, synthetic: pd.DataFrame, discrete_columns=None, model: str = "gbm",
                      max_rows: int | None = 10_000, seed: int = 0) -> dict:
    """Cross-validated AUC of a real-vs-synthetic classifier (0.5 = indistinguishable)."""
    r = detection_auc(_prepared(real, synthetic, discrete_columns=discrete_columns), model=model,
                      max_rows=max_rows, seed=seed)
    return {"detection_auc": r["auc"], "n_real": r["n_per_class"], "n_synthetic": r["n_per_class"]}


@register("tabular_utility", inputs="table", values=("ml_efficacy_synthetic", "ml_efficacy_real"))
def tabular_utility(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, target: str,
                    discrete_columns=None, seed: int = 0) -> dict:
    """ML efficacy (mean F1, or R^2) of models trained on ``synthetic`` and on ``real``, tested on ``holdout``."""
    cols = _prepared(real, synthetic, holdout, discrete_columns)
    if target not in cols.kinds:
        raise DataError(f"unknown target column {target!r}")
    r = utility_metrics(cols, target, seed=seed)
    eff = r["ml_efficacy"]
    return {"ml_efficacy_synthetic": eff["synthetic"], "ml_efficacy_real": eff["real"], "metric": eff["metric"],
            "n_real": r["n_train"]["real"], "n_synthetic": r["n_train"]["synthetic"], "n_test": r["n_test"]}


@register("tabular_dcr", inputs="table", values=("dcr_synthetic_p5", "dcr_synthetic_median", "dcr_holdout_p5", "dcr_holdout_median", "exact_copies_synthetic", "exact_copies_holdout", "membership_auc"))
def tabular_dcr(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, discrete_columns=None,
                max_rows: int | None = 10_000, seed: int = 0) -> dict:
    """Distances to closest training record, exact copies and membership-inference AUC."""
    r = privacy_metrics(_prepared(real, synthetic, holdout, discrete_columns), max_rows=max_rows, seed=seed)
    return {"dcr_synthetic_p5": r["dcr"]["synthetic_to_train"]["p5"],
            "dcr_synthetic_median": r["dcr"]["synthetic_to_train"]["median"],
            "dcr_holdout_p5": r["dcr"]["holdout_to_train"]["p5"],
            "dcr_holdout_median": r["dcr"]["holdout_to_train"]["median"],
            "exact_copies_synthetic": r["exact_copies"]["synthetic"],
            "exact_copies_holdout": r["exact_copies"]["holdout"],
            "membership_auc": r["membership_auc"],
            "n_real": len(real), "n_synthetic": r["dcr"]["synthetic_to_train"]["n"],
            "n_holdout": r["dcr"]["holdout_to_train"]["n"]}


# ----------------------------------------------------------------------------- writers


def _f(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _table(rows: list[tuple], header: tuple) -> list[str]:
    rows = [tuple(map(str, header))] + [tuple(map(str, r)) for r in rows]
    widths = [max(len(r[j]) for r in rows) for j in range(len(header))]
    lines = ["  ".join(v.ljust(widths[j]) if j == 0 else v.rjust(widths[j]) for j, v in enumerate(r)).rstrip()
             for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return lines


def format_report(result: Mapping) -> str:
    """The report as plain-text tables."""
    fid = result["fidelity"]
    n = result["n_rows"]
    out = ["tabular report: " + ", ".join(f"{k} {v:,} rows" for k, v in n.items()), ""]
    summary = [
        ("shape score (mean 1-KS / 1-TVD)", _f(fid["shape"]["mean"]), "1 = identical marginals"),
        ("pair trends (mean)", _f(fid["pair_trends"]["mean"]), "1 = identical pairwise relations"),
    ]
    if "detection" in fid:
        summary.append((f"detection AUC ({fid['detection']['model']}, {fid['detection']['folds']}-fold)",
                        _f(fid["detection"]["auc"]), "0.5 = indistinguishable"))
    util = result.get("utility")
    if util:
        eff = util["ml_efficacy"]
        errors = {e["error"] for m in util["models"].values() for e in [m.get("synthetic") or {}] if "error" in e}
        why = f" (synthetic table: {'; '.join(sorted(errors))})" if _f(eff["synthetic"]) == "-" and errors else ""
        summary.append((f"ML efficacy ({eff['metric']}, target {util['target']!r}): synthetic",
                        _f(eff["synthetic"]) + why, f"real {_f(eff['real'])}"))
    priv = result.get("privacy")
    if priv:
        dcr = priv["dcr"]
        summary += [
            ("DCR median: synthetic->train", _f(dcr["synthetic_to_train"]["median"]),
             f"holdout->train {_f(dcr['holdout_to_train']['median'])}"),
            ("DCR 5th percentile: synthetic->train", _f(dcr["synthetic_to_train"]["p5"]),
             f"holdout->train {_f(dcr['holdout_to_train']['p5'])}"),
            ("exact copies of training rows: synthetic", f"{priv['exact_copies']['synthetic']:.2%}",
             f"holdout {priv['exact_copies']['holdout']:.2%}"),
            ("membership-inference AUC", _f(priv["membership_auc"]), "0.5 = no leakage"),
        ]
    out += _table(summary, ("figure", "value", "reference"))
    out.append("")
    rows = []
    for col, v in fid["shape"]["per_column"].items():
        miss = "" if not (v["missing_real"] or v["missing_synthetic"]) else (
            f"{v['missing_real']:.1%} / {v['missing_synthetic']:.1%}")
        rows.append((col, v["kind"], v["metric"], _f(v["statistic"]), _f(v["score"]), miss))
    out += _table(rows, ("column", "kind", "metric", "statistic", "score", "missing real/syn"))
    worst = sorted((p for p in fid["pair_trends"]["pairs"] if not math.isnan(p["score"])), key=lambda p: p["score"])
    if worst:
        out.append("")
        out += _table([(" ~ ".join(p["columns"]), p["metric"], _f(p["score"])) for p in worst[:5]],
                      ("weakest pairs", "metric", "score"))
    if util:
        out.append("")
        metrics = ["r2"] if util["task"] == "regression" else ["accuracy", "f1", "auroc"]
        rows = []
        for name, s in util["models"].items():
            row = [name]
            for trained_on in ("real", "synthetic"):
                row += [_f(s[trained_on].get(m)) for m in metrics]
            rows.append(tuple(row))
        header = ("model",) + tuple(f"{m} ({t})" for t in ("real", "syn") for m in metrics)
        out += _table(rows, header)
        if "test_rows" in util:
            out.append(f"(tested on {util['test_rows']})")
    out.append(f"\n{result.get('seconds', 0):.1f} s")
    return "\n".join(out)


def print_report(result: Mapping) -> None:
    """Print :func:`format_report`."""
    print(format_report(result))


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def write_json(result: Mapping, path: str | Path) -> Path:
    """Write the report as JSON (NaN as null), atomically."""
    import json

    from ganforge.io import write_text

    return write_text(path, json.dumps(_jsonable(result), indent=2, allow_nan=False) + "\n")


def write_html(result: Mapping, real: pd.DataFrame, synthetic: pd.DataFrame, path: str | Path) -> Path:
    """Write the report as one self-contained HTML page with plots, atomically."""
    from ganforge.io import write_text

    from .report_html import render_html

    return write_text(path, render_html(result, real, synthetic))


# ----------------------------------------------------------------------------- command line


def _split(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


def _report_command(args: argparse.Namespace) -> int:
    from .io import read_table

    na = args.na_value or None
    read = {"na_values": na} if na else {}
    real = read_table(args.real, **read)
    synthetic = read_table(args.synthetic, **read)
    holdout = read_table(args.holdout, **read) if args.holdout else None
    for name, path, df in (("synthetic", args.synthetic, synthetic), ("holdout", args.holdout, holdout)):
        try:
            _check_tables(real, {name: df})
        except DataError as exc:
            raise DataError(f"{path}: {exc}") from None
    result = tabular_report(real, synthetic, holdout, target=args.target, discrete_columns=_split(args.discrete),
                            seed=args.seed, detection_model=args.detection_model,
                            max_rows=args.max_rows or None, threads=args.threads or None)
    result["files"] = {"real": str(args.real), "synthetic": str(args.synthetic),
                       "holdout": None if args.holdout is None else str(args.holdout)}
    print_report(result)
    out = Path(args.out)
    write_json(result, out / "report.json")
    write_html(result, real, synthetic, out / "report.html")
    print(f"wrote {out / 'report.json'} and {out / 'report.html'}")
    return 0


def add_report_command(subparsers) -> argparse.ArgumentParser:
    """Add ``report REAL SYNTHETIC [--holdout TEST] [--target COL] [--out DIR]`` to ``subparsers``."""
    p = subparsers.add_parser(
        "report", help="fidelity, utility and privacy of a synthetic table (prints a table, writes JSON + HTML)",
        description="Compare a synthetic table with the real one it was trained on: column shapes, pair trends, "
                    "detection AUC; with --target train-synthetic-test-real utility; with --holdout (real rows "
                    "not used for training) distances to closest records, exact copies and membership inference.")
    p.add_argument("real", help="the real (training) table: .csv[.gz] or .parquet")
    p.add_argument("synthetic", help="the synthetic table, with the same columns")
    p.add_argument("--holdout", default=None, metavar="TEST", help="real rows not used for training (privacy, utility)")
    p.add_argument("--target", default=None, metavar="COL", help="column to predict for the utility figures")
    p.add_argument("--discrete", default=None, metavar="A,B", help="columns to treat as discrete")
    p.add_argument("--out", default=".", metavar="DIR", help="folder for report.json and report.html (default .)")
    p.add_argument("--na-value", action="append", default=[], metavar="TEXT",
                   help="extra marker of a missing value in the files, e.g. '?' (repeatable)")
    p.add_argument("--detection-model", choices=("gbm", "logistic"), default="gbm")
    p.add_argument("--max-rows", type=int, default=10_000,
                   help="rows per table for the detection and distance figures (0 = all; default 10000)")
    p.add_argument("--threads", type=int, default=1,
                   help="BLAS/OpenMP threads for the models (0 = the libraries' defaults; default 1)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_report_command)
    return p
