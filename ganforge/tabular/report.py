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
The figures are computed in :mod:`ganforge.metrics.tabular`, which also registers the scalar ones as metrics:
``tabular_shape``, ``tabular_pair_trends``,
``tabular_detection``, ``tabular_utility``, ``tabular_dcr``.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ganforge import console
from ganforge.data.tabular.columns import resolve_kinds
from ganforge.errors import DataError
from ganforge.metrics.tabular.fidelity import column_shapes, detection_auc, pair_trends
from ganforge.metrics.tabular.prepare import (  # noqa: F401  (the preparation layer; these names stay importable from here)
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
from ganforge.metrics.tabular.privacy import identifier_copies, privacy_metrics
from ganforge.metrics.tabular.utility import utility_metrics
from ganforge.provenance import provenance

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
    quasi_identifiers: Sequence[str] = (),
    sensitive: Sequence[str] = (),
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
    With ``holdout``, ``privacy.attacks`` holds the attacks of :func:`ganforge.privacy.attacks.run_attacks`
    (DOMIAS; with ``quasi_identifiers`` / ``sensitive`` columns, singling out, linkability, attribute inference).
    """
    from ganforge import __version__
    from threadpoolctl import threadpool_limits

    made = {"seed": seed, "ganforge": __version__, "date": time.strftime("%Y-%m-%d %H:%M:%S %z")}
    with threadpool_limits(threads) if threads is not None else contextlib.nullcontext():
        result = _report(real, synthetic, holdout, target, discrete_columns, seed, column_kinds, detection_model,
                         max_rows, utility_rows, quasi_identifiers, sensitive)
    return Report(result, real, synthetic, made)


def _report(real, synthetic, holdout, target, discrete_columns, seed, column_kinds, detection_model, max_rows,
            utility_rows, quasi_identifiers=(), sensitive=()) -> dict:
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
        "pair_trends": with_independent(pair_trends(cols), tables["real"], kinds, seed),
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
        from ganforge.privacy.attacks import run_attacks

        result["privacy"]["attacks"] = run_attacks(tables["real"], tables["holdout"], tables["synthetic"], kinds,
                                                   quasi_identifiers, sensitive, seed=seed)
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result


def with_independent(pairs: dict, real: pd.DataFrame, kinds: dict, seed: int = 0) -> dict:
    """``pairs`` (a :func:`pair_trends` result on ``real``) with the scores of ``real``'s columns shuffled each on
    its own -- exact one-way shares, no relation kept -- per pair and as ``"independent"``, their mean.

    A pair whose shuffled score is low holds a relation; a synthetic table should beat the shuffle there.
    """
    rng = np.random.default_rng([seed, 29])
    shuffled = pd.DataFrame({c: real[c].to_numpy()[rng.permutation(len(real))] for c in kinds}, index=real.index)
    ref = pair_trends(_Columns({"real": real, "independent": shuffled}, kinds), "real", "independent")
    by_columns = {tuple(p["columns"]): p["score"] for p in ref["pairs"]}
    out = [{**p, "independent": by_columns.get(tuple(p["columns"]), float("nan"))} for p in pairs["pairs"]]
    return {**pairs, "pairs": out, "independent": ref["mean"]}


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
                            max_rows=args.max_rows or None, threads=args.threads or None,
                            quasi_identifiers=_split(args.quasi_identifiers) or (),
                            sensitive=_split(args.sensitive) or ())
    result["files"] = {"real": str(args.real), "synthetic": str(args.synthetic),
                       "holdout": None if args.holdout is None else str(args.holdout)}
    result.provenance.update(model)
    print_report(result)
    out = Path(args.out)
    result.save(out)
    console.info(f"wrote {out / 'report.json'} and {out / 'report.html'}")
    return 0
