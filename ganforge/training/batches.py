"""Endless shuffled (or class-balanced) mini-batches of indices, sharded across processes and resumable exactly."""

from __future__ import annotations

import torch

from ganforge.errors import ConfigError


class Batches:
    """Index batches for an in-memory data set of ``n`` samples.

    Epoch ``e`` visits a permutation drawn from ``seed + e`` (the same on every process), split
    across processes as ``perm[rank::world_size]`` as torch's DistributedSampler does, and cut
    into full batches (an incomplete last batch is dropped). The state is just (epoch, position),
    so a resumed run sees exactly the batches it would have seen.

    With ``labels`` the epoch is instead ``n`` indices drawn with replacement, each class equally
    likely and the samples of a class equally likely among themselves (class-balanced batches: a
    class with 8 samples is seen as often as one with 400).
    """

    def __init__(self, n: int, batch_size: int, seed: int = 0, rank: int = 0, world_size: int = 1,
                 labels: torch.Tensor | None = None) -> None:
        per_rank = n // world_size
        if per_rank < batch_size:
            raise ConfigError(f"the data set has {n} samples: too few for batches of {batch_size}"
                             + (f" on each of {world_size} processes" if world_size > 1 else "")
                             + "; lower train.batch_size")
        self.n, self.batch_size, self.seed = n, batch_size, seed
        self.rank, self.world_size = rank, world_size
        self.per_epoch = per_rank // batch_size
        self.epoch, self.position = 0, 0
        self._order: torch.Tensor | None = None
        self.weights: torch.Tensor | None = None
        if labels is not None:
            labels = torch.as_tensor(labels).long().cpu()
            if labels.shape != (n,):
                raise ValueError(f"labels must have one entry per sample ({n}); got shape {tuple(labels.shape)}")
            counts = torch.bincount(labels)
            self.weights = 1.0 / counts[labels].double()

    def _epoch_order(self) -> torch.Tensor:
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        if self.weights is None:
            perm = torch.randperm(self.n, generator=g)
        else:
            perm = torch.multinomial(self.weights, self.n, replacement=True, generator=g)
        return perm[: self.world_size * (self.n // self.world_size)][self.rank :: self.world_size]

    def __iter__(self) -> "Batches":
        return self

    def __next__(self) -> torch.Tensor:
        if self.position >= self.per_epoch:
            self.epoch, self.position, self._order = self.epoch + 1, 0, None
        if self._order is None:
            self._order = self._epoch_order()
        start = self.position * self.batch_size
        self.position += 1
        return self._order[start : start + self.batch_size]

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.epoch, self.position, self._order = int(state["epoch"]), int(state["position"]), None
