"""Things done around the training loop: scalar logs, sample pictures, periodic evaluation."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import torch

from ganforge.io import save_picture

if TYPE_CHECKING:
    from ganforge.training.trainer import Trainer


class Callback:
    """Hooks the Trainer calls on the main process (rank 0) only."""

    def on_fit_start(self, trainer: "Trainer") -> None: ...

    def on_step_end(self, trainer: "Trainer", step: int) -> None: ...

    def on_fit_end(self, trainer: "Trainer") -> None: ...

    def on_interrupt(self, trainer: "Trainer") -> None:
        """Ctrl-C or SIGTERM: the checkpoint is saved and training ends without ``on_fit_end``."""


class ScalarLog:
    """Scalars to ``metrics.jsonl`` (always) and to TensorBoard (when installed and wanted).

    On resume, records past the checkpoint's step (written before a crash) are dropped, so the
    log holds each step once.
    """

    def __init__(self, run_dir: Path, tensorboard: bool = True, resume_step: int | None = None) -> None:
        self.path = run_dir / "metrics.jsonl"
        if resume_step is not None and self.path.exists():
            kept = [line for line in self.path.read_text().splitlines()
                    if line.strip() and json.loads(line).get("step", 0) <= resume_step]
            from ganforge.io import write_text

            write_text(self.path, "".join(line + "\n" for line in kept))
        self._file = self.path.open("a")
        self._tb = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:  # TensorBoard is optional
                pass
            else:
                self._tb = SummaryWriter(str(run_dir / "tensorboard"))

    def write(self, step: int, scalars: dict[str, float]) -> None:
        record = {"step": step, **{k: _finite_or_str(v) for k, v in scalars.items()}}
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()
        if self._tb is not None:
            for key, value in scalars.items():
                if isinstance(value, (int, float)):
                    self._tb.add_scalar(key, value, step)

    def close(self) -> None:
        self._file.close()
        if self._tb is not None:
            self._tb.close()


def _finite_or_str(v: Any) -> Any:
    return v if not isinstance(v, float) or math.isfinite(v) else str(v)


class SampleGrid(Callback):
    """Every ``every`` steps, at the end and when interrupted, the GAN's preview in
    ``samples/step_NNNNNNN.png``, captioned with the step.

    What it shows is the GAN type's business (:meth:`ganforge.gans.GAN.preview`: a grid from fixed
    noise, points over the real data, sources and their variations, ...); it is drawn with a forked
    random state, so pictures never change the training trajectory.
    """

    def __init__(self, every: int, n: int | None = None, seed: int = 0) -> None:
        self.every, self.n, self.seed = every, n, seed

    def on_step_end(self, trainer: "Trainer", step: int) -> None:
        if step % self.every == 0:
            self.save(trainer, step)

    def on_fit_end(self, trainer: "Trainer") -> None:
        if trainer.step % self.every:
            self.save(trainer, trainer.step)

    on_interrupt = on_fit_end

    def save(self, trainer: "Trainer", step: int) -> Path:
        with torch.random.fork_rng(devices=[]):
            preview = trainer.gan.preview(self.n, self.seed, trainer.data)
        return save_picture(trainer.run_dir / "samples" / f"step_{step:07d}.png", preview.samples,
                            preview.background, caption=f"step {step}", columns=preview.columns)


class Evaluate(Callback):
    """Every ``every`` steps and at the end, ``fn(gan) -> dict of numbers``, logged under ``prefix``."""

    def __init__(self, fn: Callable[[Any], dict[str, float]], every: int, prefix: str = "eval/") -> None:
        self.fn, self.every, self.prefix = fn, every, prefix
        self.last: dict[str, float] = {}

    def on_step_end(self, trainer: "Trainer", step: int) -> None:
        if step % self.every == 0:
            self.run(trainer, step)

    def on_fit_end(self, trainer: "Trainer") -> None:
        if trainer.step % self.every:
            self.run(trainer, trainer.step)

    def run(self, trainer: "Trainer", step: int) -> None:
        try:
            values = self.fn(trainer.gan)
        except Exception as exc:  # evaluation must not kill a long training run
            warnings.warn(f"evaluation at step {step} failed: {exc}", stacklevel=2)
            return
        self.last = {f"{self.prefix}{k}": v for k, v in values.items() if isinstance(v, (int, float))}
        trainer.log_scalars(step, self.last)

