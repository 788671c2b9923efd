"""Metrics of a synthetic table against the real one: fidelity (:mod:`.fidelity`), utility (:mod:`.utility`)
and privacy (:mod:`.privacy`), computed on tables checked and encoded once (:mod:`.prepare`). The report
(:func:`ganforge.tabular.tabular_report`) shows them all; the scalar figures are registered metrics
(``ganforge.metrics.get_metric``): ``tabular_shape``, ``tabular_pair_trends``, ``tabular_detection``,
``tabular_utility``, ``tabular_dcr``."""

from __future__ import annotations

import pandas as pd

from ganforge.data.tabular.columns import resolve_kinds
from ganforge.errors import DataError
from ganforge.metrics import register

from .fidelity import column_shapes, detection_auc, pair_trends
from .prepare import _check_tables, _Columns
from .privacy import privacy_metrics
from .utility import utility_metrics


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
