"""The callbacks a config's ``eval`` section asks for: evaluate every N steps, keep the best checkpoint,
stop early."""

from __future__ import annotations

from typing import Any

from ganforge.data import Dataset
from ganforge.metrics import HIGHER_IS_BETTER
from ganforge.metrics.evaluate import TrainingEvaluator, parse_metrics
from ganforge.training.evaluation import BestCheckpoint, EarlyStopping, PeriodicEvaluation

__all__ = ["training_callbacks"]


def training_callbacks(eval_cfg: Any, dataset: Dataset, device: Any = "cpu", data_source: str | None = None
                       ) -> list[Any]:
    """PeriodicEvaluation (+ BestCheckpoint, + EarlyStopping) for a config's ``eval`` section; [] when off.

    ``data_source`` is ``data.source`` of the config (default: the data set's name); it decides ``features: auto``.
    """
    if not eval_cfg.every:
        return []
    metrics = parse_metrics(eval_cfg.metrics)
    options = {"kid": {"subsets": eval_cfg.kid_subsets}} if "kid" in metrics else {}
    evaluator = TrainingEvaluator(dataset, metrics, eval_cfg.n, eval_cfg.features, eval_cfg.reference_n,
                                  eval_cfg.seed, device, options, data_source=data_source)
    evaluation = PeriodicEvaluation(evaluator, eval_cfg.every)
    callbacks: list[Any] = [evaluation]
    if eval_cfg.monitor:
        mode = eval_cfg.mode if eval_cfg.mode != "auto" else ("max" if eval_cfg.monitor in HIGHER_IS_BETTER else "min")
        if eval_cfg.keep_best:
            callbacks.append(BestCheckpoint(evaluation, eval_cfg.monitor, mode))
        if eval_cfg.patience:
            callbacks.append(EarlyStopping(evaluation, eval_cfg.monitor, eval_cfg.patience, mode, eval_cfg.min_delta))
    return callbacks
