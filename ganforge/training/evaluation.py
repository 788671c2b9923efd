"""Stopping at the right time: periodic evaluation, the best checkpoint, early stopping.

These callbacks know nothing about particular metrics (that is :mod:`ganforge.metrics`, a layer
above): :class:`PeriodicEvaluation` calls ``fn(gan)``, which returns result records
``{"metric": ..., "values": {name: number}, ...}`` (or a plain dict of numbers). Each value is
logged as ``eval/<name>`` in ``metrics.jsonl`` / TensorBoard (the metric curves), and each record,
with its ``step``, is appended to ``RUN/evaluation.jsonl``. :class:`BestCheckpoint` keeps
``checkpoints/best.pt`` (a full checkpoint, written atomically by ``trainer.save``) for the best
value of one of those names, and :class:`EarlyStopping` asks the trainer to stop after
``patience`` evaluations without improvement. Put them after the evaluation in the callback list.

``evaluation.jsonl`` is only ever appended to: a record is never rewritten or dropped. After a
resume, records a crashed run wrote past its last checkpoint stay in the file; the callbacks
rebuild their state from the records up to the step they resume from, and the steps evaluated
again are appended anew (readers take the last record of a key).

After every evaluation, ``RUN/eval_curves.png`` is redrawn (atomically): one panel per value over
the steps, with the best value of the watched metric (the one BestCheckpoint / EarlyStopping follow)
marked.
"""

from __future__ import annotations

import json
import math
import os
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ganforge.io import save_image, write_json
from ganforge.plots import Panel, Series, line_chart
from ganforge.training.callbacks import Callback, Evaluate

if TYPE_CHECKING:
    from PIL import Image

    from ganforge.training.trainer import Trainer

__all__ = ["BestCheckpoint", "CURVES_FILE", "EarlyStopping", "PeriodicEvaluation", "RESULTS_FILE", "append_results",
           "curves_picture", "read_results"]

RESULTS_FILE = "evaluation.jsonl"
CURVES_FILE = "eval_curves.png"


def append_results(path: str | Path, records: Iterable[dict[str, Any]]) -> Path:
    """Append records as JSON lines (one write, flushed and synced); earlier lines are never touched."""
    path = Path(path)
    text = "".join(json.dumps(r, default=_json_default, allow_nan=True) + "\n" for r in records)
    if text:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    return path


def read_results(path: str | Path) -> list[dict[str, Any]]:
    """The records of a results file; a torn last line (a crash mid-write) is skipped with a warning."""
    path = Path(path)
    if not path.is_file():
        return []
    out = []
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            warnings.warn(f"{path}: skipping unreadable line {i + 1}", stacklevel=2)
    return out


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class PeriodicEvaluation(Evaluate):
    """Every ``every`` steps and at the end of training, ``fn(gan)``: logged and appended to the run's results.

    Attributes after a run: ``last`` (``{"eval/<name>": value}`` of the latest evaluation),
    ``last_values`` (the same without prefix), ``last_step`` and ``history`` (``[(step, values)]``).
    A failing evaluation warns and training goes on. With a run folder, ``curves_file`` (unless None)
    is redrawn after each evaluation.
    """

    def __init__(self, fn: Callable[[Any], Any], every: int, prefix: str = "eval/",
                 results_file: str = RESULTS_FILE, curves_file: str | None = CURVES_FILE) -> None:
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        super().__init__(fn, every, prefix)
        self.results_file, self.curves_file = results_file, curves_file
        self.watched: tuple[str, str] | None = None  # (metric, mode) whose best the curves mark
        self.last_values: dict[str, float] = {}
        self.last_step: int | None = None
        self.history: list[tuple[int, dict[str, float]]] = []
        self.seconds = 0.0

    def on_fit_start(self, trainer: "Trainer") -> None:
        self.history = []
        if trainer.run_dir is None:
            return
        by_step: dict[int, dict[str, float]] = {}
        for rec in read_results(trainer.run_dir / self.results_file):
            step = rec.get("step")
            if rec.get("source") == "train" and isinstance(step, int) and step <= trainer.step:
                by_step.setdefault(step, {}).update(
                    {k: v for k, v in rec.get("values", {}).items() if _is_number(v)})
        self.history = sorted(by_step.items())

    def watch(self, metric: str, mode: str) -> None:
        """Mark the best value of ``metric`` on the curves (the first watcher, e.g. BestCheckpoint, decides)."""
        if self.watched is None:
            self.watched = (metric, mode)

    def best(self) -> tuple[int, float] | None:
        """(step, value) of the watched metric's best evaluation so far, by the rule BestCheckpoint follows."""
        if self.watched is None:
            return None
        metric, mode = self.watched
        best: tuple[int, float] | None = None
        for step, values in self.history:
            if _is_number(values.get(metric)) and _improved(float(values[metric]), best and best[1], mode):
                best = (step, float(values[metric]))
        return best

    def run(self, trainer: "Trainer", step: int) -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            out = self.fn(trainer.gan)
        except Exception as exc:  # evaluation must not kill a long training run
            warnings.warn(f"evaluation at step {step} failed: {type(exc).__name__}: {exc}", stacklevel=2)
            return
        seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
        self.seconds += seconds
        if isinstance(out, dict):
            records = [out] if "values" in out else [{"metric": "custom", "values": dict(out)}]
        else:
            records = list(out)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        records = [{**rec, "step": step, "source": "train", "time": stamp} for rec in records]
        values: dict[str, float] = {}
        for rec in records:
            values.update({k: v for k, v in rec.get("values", {}).items() if _is_number(v)})
        self.last_values, self.last_step = values, step
        self.last = {f"{self.prefix}{k}": v for k, v in values.items()}
        self.history.append((step, values))
        trainer.log_scalars(step, {**self.last, f"{self.prefix}seconds": seconds, f"{self.prefix}cpu_seconds": cpu_seconds})
        if trainer.run_dir is not None:
            append_results(trainer.run_dir / self.results_file, records)
            if self.curves_file:
                save_image(trainer.run_dir / self.curves_file, curves_picture(self.history, self.watched, self.best()))


def curves_picture(history: list[tuple[int, dict[str, float]]], watched: tuple[str, str] | None = None,
                   best: tuple[int, float] | None = None) -> "Image.Image":
    """The evaluation curves: one panel per value (``X_std`` as error bars of ``X``), ``best`` marked on
    the ``watched`` metric's panel and as a dashed line on the others."""
    names = list(dict.fromkeys(k for _, values in history for k in values))
    names = [n for n in names if not (n.endswith("_std") and n[:-4] in names)]
    panels = []
    for name in names:
        points = [(step, values) for step, values in history if name in values]
        has_errors = any(f"{name}_std" in values for _, values in points)
        errors = [values.get(f"{name}_std", 0.0) for _, values in points] if has_errors else None
        panel = Panel(name, [Series([s for s, _ in points], [v[name] for _, v in points], yerr=errors)])
        if best is not None and watched is not None and name == watched[0]:
            panel.mark = (best[0], best[1], f"best: {best[1]:.4g} at step {best[0]}")
        elif best is not None:
            panel.vline = (best[0], f"best {watched[0]}" if watched else "best")
        panels.append(panel)
    title = f"evaluation during training (best {watched[0]}: {watched[1]})" if watched else "evaluation during training"
    return line_chart(panels, title, columns=min(3, max(1, len(panels))))


def _improved(value: float, best: float | None, mode: str, min_delta: float = 0.0) -> bool:
    if not math.isfinite(value):
        return False
    if best is None:
        return True
    return value < best - min_delta if mode == "min" else value > best + min_delta


class _Watcher(Callback):
    """Shared part: react once to each new value of ``metric`` from ``evaluation``."""

    def __init__(self, evaluation: PeriodicEvaluation, metric: str, mode: str) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.evaluation, self.metric, self.mode = evaluation, metric, mode
        evaluation.watch(metric, mode)
        self._seen: int | None = None
        self._warned = False

    def on_step_end(self, trainer: "Trainer", step: int) -> None:
        self._maybe(trainer)

    def on_fit_end(self, trainer: "Trainer") -> None:
        self._maybe(trainer)

    def _maybe(self, trainer: "Trainer") -> None:
        ev = self.evaluation
        if ev.last_step is None or ev.last_step == self._seen:
            return
        self._seen = ev.last_step
        value = ev.last_values.get(self.metric)
        if value is None:
            if not self._warned:
                warnings.warn(f"{type(self).__name__}: the evaluation gives no value {self.metric!r} "
                              f"(it gives {', '.join(ev.last_values) or 'nothing'})", stacklevel=2)
                self._warned = True
            return
        self.new_value(trainer, ev.last_step, float(value))

    def new_value(self, trainer: "Trainer", step: int, value: float) -> None:
        raise NotImplementedError


class BestCheckpoint(_Watcher):
    """Keep ``checkpoints/best.pt`` for the best value of ``metric`` (``mode`` min or max).

    ``checkpoints/best.json`` records the metric, value and step; it is written after the
    checkpoint, and read back when a run resumes. Load the best generator with
    ``ganforge.runs.experiment.load_run(run, checkpoint="best")`` or ``ganforge sample RUN --checkpoint best``.
    """

    def __init__(self, evaluation: PeriodicEvaluation, metric: str, mode: str = "min",
                 filename: str = "best.pt") -> None:
        super().__init__(evaluation, metric, mode)
        self.filename = filename
        self.best: float | None = None
        self.best_step: int | None = None

    def _paths(self, trainer: "Trainer") -> tuple[Path, Path]:
        ckpt = trainer.run_dir / "checkpoints" / self.filename
        return ckpt, ckpt.with_suffix(".json")

    def on_fit_start(self, trainer: "Trainer") -> None:
        self.best = self.best_step = None
        if trainer.run_dir is None:
            return
        ckpt, info = self._paths(trainer)
        if ckpt.is_file() and info.is_file():
            saved = json.loads(info.read_text())
            if saved.get("metric") == self.metric and saved.get("mode") == self.mode:
                self.best, self.best_step = float(saved["value"]), int(saved["step"])

    def new_value(self, trainer: "Trainer", step: int, value: float) -> None:
        if trainer.run_dir is None or not _improved(value, self.best, self.mode):
            return
        if trainer.dist.enabled:  # Trainer.save gathers RNG states from every rank; callbacks run on rank 0 only
            if not self._warned:
                warnings.warn("best checkpoint is not kept in distributed runs", stacklevel=2)
                self._warned = True
            return
        ckpt, info = self._paths(trainer)
        trainer.save(ckpt)
        self.best, self.best_step = value, step
        write_json(info, {"metric": self.metric, "mode": self.mode, "value": value, "step": step,
                          "checkpoint": ckpt.name})
        trainer.log_scalars(step, {f"{self.evaluation.prefix}best_{self.metric}": value})


class EarlyStopping(_Watcher):
    """Stop training when ``metric`` has not improved by more than ``min_delta`` for ``patience`` evaluations."""

    def __init__(self, evaluation: PeriodicEvaluation, metric: str, patience: int, mode: str = "min",
                 min_delta: float = 0.0) -> None:
        super().__init__(evaluation, metric, mode)
        if patience < 1:
            raise ValueError(f"patience must be >= 1, got {patience}")
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta}")
        self.patience, self.min_delta = patience, min_delta
        self.best: float | None = None
        self.best_step: int | None = None
        self.bad = 0

    def on_fit_start(self, trainer: "Trainer") -> None:
        self.best = self.best_step = None
        self.bad = 0
        for step, values in self.evaluation.history:  # rebuilt from the run's results on resume
            if self.metric in values:
                self._update(step, float(values[self.metric]))
        self._seen = self.evaluation.history[-1][0] if self.evaluation.history else None

    def _update(self, step: int, value: float) -> None:
        if _improved(value, self.best, self.mode, self.min_delta):
            self.best, self.best_step, self.bad = value, step, 0
        else:
            self.bad += 1

    def new_value(self, trainer: "Trainer", step: int, value: float) -> None:
        self._update(step, value)
        if self.bad >= self.patience:
            best = "none finite" if self.best is None else f"best {self.best:.4g} at step {self.best_step}"
            trainer.request_stop(f"early stopping: {self.metric} has not improved by more than {self.min_delta:g} "
                                 f"in {self.bad} evaluations ({best})")
