"""A stratified share of a labelled data set kept out of training (for validation)."""

from __future__ import annotations

import torch
from torch import Tensor

from ganforge.errors import ConfigError

__all__ = ["stratified_holdout"]


def stratified_holdout(labels: Tensor, fraction: float, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Indices ``(kept, held_out)``, both sorted: from each class, ``fraction`` of its samples (rounded,
    at least one) are held out, but never its last one (a class of one sample is kept whole).

    The same labels, fraction and seed always give the same split, so a run that trained on the kept
    part and the check that scores on the held-out part agree without storing the indices.
    """
    if not 0 < fraction < 1:
        raise ConfigError(f"the held-out fraction must be between 0 and 1; got {fraction!r}")
    g = torch.Generator().manual_seed(int(seed))
    kept, held = [], []
    for c in torch.unique(labels).tolist():
        members = torch.nonzero(labels == c).flatten()
        members = members[torch.randperm(len(members), generator=g)]
        n_held = min(len(members) - 1, max(1, round(fraction * len(members))))
        held.append(members[:n_held])
        kept.append(members[n_held:])
    return torch.cat(kept).sort().values, torch.cat(held).sort().values
