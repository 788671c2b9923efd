"""The in-memory data set every loader returns."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from ganforge.errors import DataError

from .mixtures import Mixture


@dataclass
class Dataset:
    """An in-memory data set.

    ``data`` holds uint8 images ``(N, C, H, W)`` in 0..255 or float32 vectors
    ``(N, D)``; ``labels`` int64 ``(N,)`` when known; ``mixture`` the generating
    mixture for synthetic sets (used by the mode-coverage metric).

    ``batch(index)`` gives the samples alone; the view :meth:`with_labels` gives
    ``(samples, labels)`` for conditional GANs, or ``(samples, partners, labels)`` with
    ``partners=True`` (DAGAN: each partner another sample of the same class).
    """

    data: torch.Tensor
    name: str
    labels: torch.Tensor | None = None
    mixture: Mixture | None = None
    returns: str = "data"  # what batch() gives: "data", "labels" or "partners" (set by with_labels)

    def __post_init__(self) -> None:
        d = self.data
        if not isinstance(d, torch.Tensor):
            raise DataError(f"data set {self.name!r}: data must be a torch.Tensor, got {type(d).__name__}")
        if d.ndim == 4:
            if d.dtype != torch.uint8 or d.shape[1] not in (1, 3):
                raise DataError(
                    f"data set {self.name!r}: images must be uint8 (N, C, H, W) with C in 1, 3; "
                    f"got {d.dtype} {tuple(d.shape)}"
                )
        elif d.ndim == 2:
            if d.dtype != torch.float32:
                raise DataError(f"data set {self.name!r}: vectors must be float32 (N, D), got {d.dtype}")
        else:
            raise DataError(f"data set {self.name!r}: data must be 4-D images or 2-D vectors, got {tuple(d.shape)}")
        if len(d) == 0:
            raise DataError(f"data set {self.name!r} is empty")
        if self.labels is not None:
            if self.labels.shape != (len(d),) or self.labels.dtype != torch.int64:
                raise DataError(
                    f"data set {self.name!r}: labels must be int64 of shape ({len(d)},), "
                    f"got {self.labels.dtype} {tuple(self.labels.shape)}"
                )
            if len(self.labels) and int(self.labels.min()) < 0:
                raise DataError(f"data set {self.name!r}: labels must be non-negative, found {int(self.labels.min())}")
        if self.returns not in ("data", "labels", "partners"):
            raise DataError(f"data set {self.name!r}: returns must be data, labels or partners; got {self.returns!r}")
        if self.returns != "data":
            self._check_labelled("partners=True" if self.returns == "partners" else "with_labels()")
        if self.returns == "partners":
            counts = torch.bincount(self.labels)
            single = [c for c, k in enumerate(counts.tolist()) if k == 1]
            if single:
                raise DataError(f"data set {self.name!r}: partners of the same class need at least 2 samples per class; "
                                f"class {single[0]} has one" + (f" (and {len(single) - 1} more)" if len(single) > 1 else ""))
            order = torch.argsort(self.labels, stable=True)  # samples grouped by class
            start = torch.cumsum(counts, 0) - counts
            position = torch.empty_like(order)
            position[order] = torch.arange(len(order)) - start[self.labels[order]]
            self._pairing = (order, start, counts, position)

    @property
    def modality(self) -> str:
        """``"image"`` for 4-D data, else ``"vector"``."""
        return "image" if self.data.ndim == 4 else "vector"

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample, ``data.shape[1:]``."""
        return tuple(self.data.shape[1:])

    def __len__(self) -> int:
        return int(self.data.shape[0])

    @property
    def num_classes(self) -> int:
        """Number of classes: the largest label + 1 (0 without labels)."""
        return 0 if self.labels is None else int(self.labels.max()) + 1

    def _check_labelled(self, what: str) -> None:
        if self.labels is None:
            raise DataError(f"data set {self.name!r} has no labels, which {what} needs: use a folder with one "
                            f"sub-folder per class, or an .npz file with a 'labels' (or 'y') array")

    def with_labels(self, partners: bool = False) -> "Dataset":
        """A view of the same data whose :meth:`batch` also gives the labels (see the class docstring)."""
        return dataclasses.replace(self, returns="partners" if partners else "labels")

    def batch(self, index: torch.Tensor):
        """Float32 batch for training: images scaled to [-1, 1], vectors as stored; with labels in a view.

        In a ``partners`` view each sample's partner is drawn uniformly from the OTHER samples of its class,
        with torch's global random generator (whose state the Trainer checkpoints).
        """
        x = self._floats(index)
        if self.returns == "data":
            return x
        y = self.labels[index]
        if self.returns == "labels":
            return x, y
        return x, self._floats(self.partners(index)), y

    def partners(self, index: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """For each sample in ``index``, the index of a random other sample of the same class."""
        order, start, counts, position = self._pairing
        y = self.labels[index]
        n = counts[y]
        step = 1 + (torch.rand(len(index), generator=generator) * (n - 1)).long().clamp(max=n - 2)
        return order[start[y] + (position[index] + step) % n]

    def _floats(self, index: torch.Tensor) -> torch.Tensor:
        x = self.data[index]
        if self.modality == "image":
            return x.float() / 127.5 - 1.0
        return x.float()

    def subset(self, n: int | None, seed: int = 0) -> "Dataset":
        """A random subset of ``n`` samples (kept in their original order), chosen with ``seed``."""
        if n is None or n == len(self):
            return self
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise DataError(f"n must be a positive integer, got {n!r}")
        if n > len(self):
            raise DataError(f"n={n} is larger than data set {self.name!r}, which has {len(self)} samples")
        generator = torch.Generator().manual_seed(int(seed))
        index = torch.randperm(len(self), generator=generator)[:n].sort().values
        labels = None if self.labels is None else self.labels[index]
        return dataclasses.replace(self, data=self.data[index], labels=labels)
