"""The progress bar of ``TabularGAN.fit``: steps, or seconds under a time budget, with rows/s.

The Trainer's own bar counts steps and images; a table trained ``--time-budget 3m`` has no step
count to reach (its step target is a placeholder), so this bar counts the budget's seconds instead.
It is a :class:`~ganforge.training.callbacks.Callback` (moved at the end of each step) and the
trainer's scalar sink (``write``/``close``, as :class:`~ganforge.training.callbacks.ScalarLog`), so
it shows the logged losses too.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from ganforge.training.callbacks import Callback

if TYPE_CHECKING:
    from ganforge.training.trainer import Trainer

__all__ = ["TableProgress"]


class TableProgress(Callback):
    """A tqdm bar over ``steps`` (unit ``step``) or, with ``budget`` seconds, over time (unit ``s``).

    ``start`` is the :func:`time.perf_counter` value the budget counts from (the start of ``fit``).
    """

    def __init__(self, steps: int, batch_size: int, budget: float | None = None, start: float | None = None,
                 enabled: bool = True) -> None:
        self.steps, self.batch_size, self.budget, self.enabled = steps, batch_size, budget, enabled
        self.start = time.perf_counter() if start is None else start
        self.train_start = self.start
        self.bar = None

    def on_fit_start(self, trainer: "Trainer") -> None:
        from tqdm.auto import tqdm

        self.train_start = time.perf_counter()
        common = dict(disable=not self.enabled, dynamic_ncols=True, mininterval=1.0, file=sys.stderr)
        if self.budget is not None:
            self.bar = tqdm(total=round(self.budget, 1), unit="s", **common,
                            bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s{postfix}")
            self._move_to(self.train_start - self.start)  # the transformer's time counts against the budget
        else:
            self.bar = tqdm(total=self.steps, initial=trainer.step, unit="step", **common)

    def on_step_end(self, trainer: "Trainer", step: int) -> None:
        if self.budget is not None:
            self._move_to(time.perf_counter() - self.start)
        else:
            self.bar.update(1)

    def rows_per_second(self, steps: int) -> float:
        """Training rows per second over the steps so far (batch size x steps / training time)."""
        return steps * self.batch_size / max(time.perf_counter() - self.train_start, 1e-9)

    def write(self, step: int, scalars: dict[str, float]) -> None:
        """The trainer's logged scalars: losses and throughput (its ``img_per_s`` is rows/s here)."""
        shown = {k: f"{v:.3g}" for k, v in scalars.items() if k != "img_per_s" and not k.startswith("lr/")}
        if "img_per_s" in scalars:
            shown["rows/s"] = f"{scalars['img_per_s']:.0f}"
        if self.bar is not None:
            self.bar.set_postfix(shown, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def _move_to(self, seconds: float) -> None:
        target = min(round(seconds, 1), self.bar.total)
        if target > self.bar.n:
            self.bar.update(target - self.bar.n)
