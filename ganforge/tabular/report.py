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

The result is a :class:`Report`: the figures as a dict that shows itself as an HTML page in a
notebook, with a plain-words verdict per section (:mod:`~ganforge.tabular.verdicts`). Writers
(:mod:`~ganforge.tabular.report_writers`): :func:`format_report` / :func:`print_report` (a
table), :func:`write_json`, :func:`write_html` (one self-contained page with inline SVG plots).
The scalar metrics are also in the metric registry (:mod:`~ganforge.tabular.report_metrics`):
``tabular_shape``, ``tabular_pair_trends``,
``tabular_detection``, ``tabular_utility``, ``tabular_dcr``.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import time
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ganforge import console
from ganforge.data.errors import DataError
from ganforge.provenance import provenance

from .columns import resolve_kinds
from .report_data import (  # noqa: F401  (the preparation layer; these names stay importable from here)
    _MISSING,
    NUMERIC_KINDS,
    _check_tables,
    _Columns,
    _Features,
    _keys,
    _limited,
    _numeric_values,
    _sample_rows,
)
from .report_writers import Report, _f, format_report, print_report, write_html, write_json  # noqa: F401

__all__ = [
    "Report",
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
) -> Report:
    """Fidelity, utility (with ``target``) and privacy (with ``holdout``) of ``synthetic`` against ``real``.

    ``real`` is the data the generator was trained on; ``holdout`` real rows it never saw.
    Column kinds are detected on ``real`` (overridable as in the transformer). ``max_rows``
    caps the rows the detection classifier and the distance computations use per table;
    ``utility_rows`` the training rows of the utility models (``None``: all). Returns a
    :class:`~ganforge.tabular.report_writers.Report`: a JSON-serialisable dict that also shows
    itself as the HTML page in a notebook (and has ``verdicts`` and ``save``); see the module docs for every figure. ``detection_model`` is
    ``"gbm"`` (histogram gradient boosting), ``"logistic"``, or ``None`` to skip detection.
    ``threads`` caps the BLAS / OpenMP threads of the models (``None``: the libraries' defaults).
    The default, 1, is deliberate: the models are small, and on a busy machine OpenMP threads
    waiting for each other made the detection classifier on Adult 30x slower (242 s against
    8 s with one thread, at a load of 10 on 2 CPUs).
    """
    from ganforge import __version__
    from threadpoolctl import threadpool_limits

    made = {"seed": seed, "ganforge": __version__, "date": time.strftime("%Y-%m-%d %H:%M:%S %z")}
    with threadpool_limits(threads) if threads is not None else contextlib.nullcontext():
        result = _report(real, synthetic, holdout, target, discrete_columns, seed, column_kinds, detection_model,
                         max_rows, utility_rows)
    return Report(result, real, synthetic, made)


def identifier_copies(tables: dict[str, pd.DataFrame], ids: list[str]) -> dict[str, float]:
    """For each identifier column, the share of synthetic values that are real values (should be 0)."""
    out = {}
    for col in ids:
        real = set(tables["real"][col].dropna().astype(str))
        fake = tables["synthetic"][col].dropna().astype(str)
        out[col] = float(fake.isin(real).mean()) if len(fake) else 0.0
    return out


def _report(real, synthetic, holdout, target, discrete_columns, seed, column_kinds, detection_model, max_rows,
            utility_rows) -> dict:
    start = time.perf_counter()
    tables = _check_tables(real, {"synthetic": synthetic, "holdout": holdout})
    kinds = resolve_kinds(tables["real"], discrete_columns, column_kinds)
    if target is not None and target not in kinds:
        raise DataError(f"unknown target column {target!r}; the columns are: {', '.join(kinds)}")
    ids = [c for c, k in kinds.items() if k == "identifier"]
    if target in ids:
        raise DataError(f"target column {target!r} holds identifiers (nearly every value distinct); choose another")
    kinds = {c: k for c, k in kinds.items() if k != "identifier"}  # keys, not data: not compared as values
    cols = _Columns(tables, kinds)
    result: dict[str, Any] = {
        "n_rows": {t: int(len(df)) for t, df in tables.items()},
        "columns": kinds,
        "seed": seed,
        **provenance(),
    }
    if ids:
        result["identifiers"] = identifier_copies(tables, ids)
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


# ----------------------------------------------------------------------------- command line


def _split(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


def _model_provenance(folder: str) -> dict:
    """What the page says about the model folder that made the synthetic table (from its model.json)."""
    import json

    meta = Path(folder) / "model.json"
    try:
        params = json.loads(meta.read_text()).get("params", {})
    except (OSError, ValueError, AttributeError):
        raise DataError(f"--model {folder}: not a ganforge model folder (no readable model.json)") from None
    return {"model": str(folder), "model seed": params.get("seed")}


def _report_command(args: argparse.Namespace) -> int:
    from .io import read_arguments, read_table

    model = _model_provenance(args.model) if args.model else {}

    read = read_arguments(args)  # --no-header/--names/--na-values, spelt as for `tabular fit`
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
    result.provenance.update(model)
    print_report(result)
    out = Path(args.out)
    result.save(out)
    console.info(f"wrote {out / 'report.json'} and {out / 'report.html'}")
    return 0
