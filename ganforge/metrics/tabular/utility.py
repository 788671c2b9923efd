"""Utility of a synthetic table: train on synthetic, test on real, against train on real
(see :mod:`ganforge.metrics.tabular`)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .prepare import _MISSING, NUMERIC_KINDS, _Columns, _Features, _limited, _sample_rows


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
        # F1 of the positive class; a class only the training table has (a private table's pooled
        # "<other>") counts as negative rather than breaking the binary score
        out["f1"] = float(f1_score(y_test == positive, pred == positive, zero_division=0))
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
