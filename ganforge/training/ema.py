"""Exponential moving average of a network's weights."""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """Keeps ``average = decay * average + (1 - decay) * current`` for a module's parameters.

    Buffers (batch-norm statistics, spectral-norm vectors) are copied. Until step ``start`` the
    average simply follows the weights, so early random weights do not linger in it.
    """

    def __init__(self, module: nn.Module, decay: float, start: int = 0) -> None:
        if not 0 < decay < 1:
            raise ValueError(f"EMA decay must be in (0, 1); got {decay}")
        self.decay, self.start = decay, start
        self.module = copy.deepcopy(module).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, module: nn.Module, step: int) -> None:
        avg = list(self.module.parameters())
        cur = [p.detach() for p in module.parameters()]
        if step < self.start:
            torch._foreach_copy_(avg, cur)
        else:
            torch._foreach_lerp_(avg, cur, 1.0 - self.decay)
        for b_avg, b in zip(self.module.buffers(), module.buffers()):
            b_avg.copy_(b)
