"""What a GAN type hands the Trainer: its phases as records, and its preview pictures.

A phase is one optimised player: the networks it updates, its optimizer settings, the loss it
computes on a batch, how many times it runs at a given step and whether each run draws a fresh
batch. The Trainer runs the phases in order and knows nothing else about them (see
``docs/design.md``, "The GAN protocol").
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from torch import Tensor, nn

__all__ = ["Phase", "Preview", "StepOutput", "every_step", "frozen", "samples_of"]

StepOutput = dict[str, Tensor]


def every_step(step: int) -> int:
    """The default schedule: a phase runs once at every step."""
    return 1


@dataclass(frozen=True)
class Phase:
    """One phase of a training step.

    Attributes:
        name: names the phase in logs (``lr/<name>``), checkpoints (its optimizer) and errors.
        networks: names (keys of ``gan.networks()``) of the networks its Adam optimizer updates.
        loss: ``loss(batch, step) -> {"loss": scalar to minimise, other: detached scalars to log}``;
            forward passes only (the Trainer does autocast, the NaN check, backward and the update).
        lr, betas: Adam's learning rate and betas (the GAN type takes them from the config).
        repeats: ``repeats(step) -> int``: how many times the phase runs at ``step`` (0 skips it), so
            warm-up, lazy regularisation or a stage switch are schedules, not Trainer code.
        fresh_batch: each run draws a new batch; ``False`` reuses the batch the previous phase used
            (a fresh one when no phase has drawn yet this step).
    """

    name: str
    networks: tuple[str, ...]
    loss: Callable[[Any, int], StepOutput]
    lr: float
    betas: tuple[float, float] = (0.5, 0.999)
    repeats: Callable[[int], int] = every_step
    fresh_batch: bool = True


@dataclass(frozen=True)
class Preview:
    """What the run's pictures show: ``samples`` (images make a grid, 2-D or 1-D points a plot) drawn
    over ``background`` (real points in grey; None for images); ``columns`` images per row of the grid
    (None: a square grid), e.g. 3 for rows of input | output | target."""

    samples: Tensor
    background: Tensor | None = None
    columns: int | None = None


@contextlib.contextmanager
def frozen(module: nn.Module) -> Iterator[nn.Module]:
    """Turn off ``requires_grad`` on a module's parameters for the duration (saves their gradients)."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield module
    finally:
        for p in params:
            p.requires_grad_(True)


def samples_of(batch: Any) -> Tensor | None:
    """The samples in a batch: the batch itself, the first item of a tuple (images, labels, ...), the
    ``"real"`` entry of a dict, or None."""
    if isinstance(batch, (list, tuple)):
        batch = batch[0] if batch else None
    elif isinstance(batch, dict):
        batch = batch.get("real")
    return batch if isinstance(batch, Tensor) else None
