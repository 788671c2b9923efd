"""Evaluation of run folders: a trained run's generator against its data (``ganforge evaluate RUN``), and the
callbacks that evaluate while a run trains, keep its best checkpoint and stop it early.

* :func:`evaluate_run` -- a run folder's generator against its data set (or another), results appended
  to ``RUN/evaluation.jsonl``;
* :func:`~ganforge.runs.callbacks.training_callbacks` -- the callbacks a config's ``eval`` section asks for.

The metrics themselves (:func:`~ganforge.metrics.evaluate.evaluate`) know nothing of runs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

from ganforge.data import load_dataset
from ganforge.errors import CheckpointError, ConfigError
from ganforge.metrics.evaluate import evaluate, generate, parse_metrics
from ganforge.metrics.reference import ReferenceCache
from ganforge.training import load_checkpoint
from ganforge.training.evaluation import RESULTS_FILE, append_results

from .callbacks import training_callbacks

__all__ = ["DEFAULT_METRICS", "evaluate_run", "resolve_checkpoint", "training_callbacks"]  # the last: from .callbacks

DEFAULT_METRICS = "fid,kid,pr,dc"


def resolve_checkpoint(run: Path, checkpoint: str) -> Path:
    """``best``, ``last``, a file name in ``RUN/checkpoints``, a path, or a step number -> the checkpoint file."""
    folder = run / "checkpoints"
    if checkpoint.isdigit():
        step = int(checkpoint)
        candidates = sorted(folder.glob("*.pt")) if folder.is_dir() else []
        named = folder / f"step_{step:07d}.pt"
        if named.is_file():
            return named
        steps = {}
        for path in candidates:
            try:
                steps[path] = int(load_checkpoint(path)["step"])
            except CheckpointError:
                continue
        for path, s in steps.items():
            if s == step:
                return path
        have = ", ".join(f"{p.name} (step {s})" for p, s in steps.items()) or "none"
        raise CheckpointError(f"{run}: no checkpoint of step {step}; checkpoints: {have}")
    path = Path(checkpoint)
    if path.suffix == ".pt" and path.is_file():
        return path
    path = folder / (checkpoint if checkpoint.endswith(".pt") else f"{checkpoint}.pt")
    if not path.is_file():
        have = ", ".join(sorted(p.stem for p in folder.glob("*.pt"))) if folder.is_dir() else "none"
        raise CheckpointError(f"checkpoint not found: {path} (checkpoints in {folder}: {have or 'none'})")
    return path


def evaluate_run(run: str | Path, *, metrics: str | Sequence[str] = DEFAULT_METRICS, n: int = 10000,
                 features: Any = "auto", checkpoint: str = "last", reference: str | None = None,
                 reference_n: int | None = None, seed: int = 0, batch_size: int = 200, device: Any = "cpu",
                 precision: str = "auto", inception_weights: Any = None, cache: ReferenceCache | None = None,
                 write: bool = True, options: dict[str, dict[str, Any]] | None = None,
                 resize: bool = False) -> list[dict[str, Any]]:
    """Evaluate a run folder's generator (checkpoint ``best``/``last``/STEP/path) on ``n`` samples.

    The reference is the run's own training data (``data`` in its config), or ``reference`` (a
    built-in name, folder or array file), optionally a seeded subset of ``reference_n``; a reference of
    another image shape needs ``resize``. Records
    get ``run``, ``checkpoint``, ``step`` and ``seed`` and, with ``write``, are appended to
    ``RUN/evaluation.jsonl``. Every check happens before anything is written.
    """
    from ganforge.runs.experiment import load_data, load_run

    run = Path(run)
    if not run.is_dir():
        raise ConfigError(f"run folder not found: {run}")
    if not (run / "config.yaml").is_file():
        raise ConfigError(f"{run} is not a run folder (no config.yaml)")
    if n < 2:
        raise ConfigError(f"--n must be >= 2; got {n}")
    names = parse_metrics(metrics)
    path = resolve_checkpoint(run, str(checkpoint))
    step = int(load_checkpoint(path)["step"])
    gan, cfg = load_run(run, checkpoint=str(path.resolve()))
    if reference is None:
        data = load_data(cfg)
        reference_name = f"{cfg.data.source}"
    else:
        data = load_dataset(reference, seed=seed)
        reference_name = str(reference)
    source = reference_name
    if reference_n is not None:
        data = data.subset(min(reference_n, len(data)), seed)
        reference_name += f"[{len(data)} of seed {seed}]"
    samples, labels = generate(gan.eval(), n, seed)
    options = {"kid": {"seed": seed, **(options or {}).get("kid", {})},
               **{k: v for k, v in (options or {}).items() if k != "kid"}}
    records = evaluate(samples, data, metrics=names, extractor=features, reference_name=reference_name,
                       fake_labels=labels, data_source=source, resize=resize,
                       cache=cache if cache is not None else ReferenceCache(), batch_size=batch_size, device=device,
                       precision=precision, inception_weights=inception_weights, options=options)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    records = [{**r, "step": step, "checkpoint": path.name, "seed": seed, "source": "evaluate", "time": stamp}
               for r in records]
    if write:
        append_results(run / RESULTS_FILE, records)
    return records
