"""A run's length in steps and in time: training ends at ``steps`` or when ``seconds`` are used,
whichever comes first.

After a few steps the number of steps the time allows is estimated from the measured pace, and
re-estimated as training goes (evaluations and checkpoints slow the pace down). Schedules defined
in steps (the learning-rate decay, the EMA start) follow :attr:`StepBudget.planned`, so a
schedule written for 3,000 steps still runs its whole course when only 1,200 fit in the budget.
"""

from __future__ import annotations

import math
import time
from typing import Callable

__all__ = ["StepBudget"]


class StepBudget:
    """Tracks time against a budget and estimates the steps it allows.

    Args:
        steps: the most steps to run.
        seconds: the time budget (None: steps only).
        warmup: steps after :meth:`start` left out of the pace (the first ones pay for allocation
            and lazy initialisation).
        clock: a monotonic clock in seconds (default :func:`time.perf_counter`; tests pass a fake one).
    """

    def __init__(self, steps: int, seconds: float | None = None, *, warmup: int = 5,
                 clock: Callable[[], float] | None = None) -> None:
        if seconds is not None and not seconds > 0:
            raise ValueError(f"the time budget must be > 0 seconds; got {seconds!r}")
        self.steps, self.seconds, self.warmup = int(steps), seconds, int(warmup)
        self.clock = clock or time.perf_counter
        self.planned = self.steps  # the steps the run is expected to reach
        self._t0 = self._pace_t = 0.0
        self._step0 = self._pace_step = self._last_step = 0
        self._last_t = 0.0
        self.pace = math.nan  # seconds per step after the warm-up; nan until measured

    def start(self, step: int) -> None:
        """Start the clock at ``step`` (0, or the step a resumed run continues from)."""
        self._t0 = self._pace_t = self.clock()
        self._step0 = self._pace_step = step

    @property
    def estimated(self) -> bool:
        """True once the pace has been measured."""
        return not math.isnan(self.pace)

    @property
    def settled(self) -> bool:
        """True once the pace has been measured over 20 steps or 5% of the budget (an estimate worth printing)."""
        if not self.estimated or self.seconds is None:
            return False
        return self._last_step - self._pace_step >= 20 or self._last_t - self._pace_t >= 0.05 * self.seconds

    @property
    def elapsed(self) -> float:
        return self.clock() - self._t0

    def after_step(self, step: int) -> bool:
        """Record that ``step`` is done; True when the time is used up (never without a budget)."""
        if self.seconds is None:
            return False
        now = self.clock()
        self._last_step, self._last_t = step, now
        if step - self._step0 == self.warmup:
            self._pace_t, self._pace_step = now, step
        elif step - self._step0 > self.warmup:
            self.pace = (now - self._pace_t) / (step - self._pace_step)
            left = self.seconds - (now - self._t0)
            fit = math.floor(left / self.pace) if self.pace > 0 else self.steps
            self.planned = max(step, min(self.steps, step + max(0, fit)))
        return now - self._t0 >= self.seconds
