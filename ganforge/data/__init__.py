"""Data sets for ganforge: image folders, array files, built-ins and synthetic mixtures.

Every bad input raises :class:`DataError` with a message naming the file, key or value.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import torch

from .errors import DataError
from .mixtures import Mixture, gaussian1d, grid25, ring8

__all__ = [
    "BUILTIN_DATASETS",
    "DEFAULT_MIXTURE_SAMPLES",
    "DataError",
    "Dataset",
    "Mixture",
    "convert_channels",
    "find_images",
    "gaussian1d",
    "grid25",
    "load_array",
    "load_dataset",
    "load_image_folder",
    "read_label_file",
    "resize_images",
    "ring8",
    "to_uint8_images",
]


@dataclass
class Dataset:
    """An in-memory data set.

    ``data`` holds uint8 images ``(N, C, H, W)`` in 0..255 or float32 vectors
    ``(N, D)``; ``labels`` int64 ``(N,)`` when known; ``mixture`` the generating
    mixture for synthetic sets (used by the mode-coverage metric).

    ``batch(index)`` gives the samples alone; the view :meth:`with_labels` gives
    ``(samples, labels)`` for conditional GANs, or ``(samples, partners, labels)`` with
    ``pairs=True`` (DAGAN: each partner another sample of the same class).
    """

    data: torch.Tensor
    name: str
    labels: torch.Tensor | None = None
    mixture: Mixture | None = None
    returns: str = "data"  # what batch() gives: "data", "labels" or "pairs" (set by with_labels)

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
        if self.returns not in ("data", "labels", "pairs"):
            raise DataError(f"data set {self.name!r}: returns must be data, labels or pairs; got {self.returns!r}")
        if self.returns != "data":
            self._check_labelled("pairs=True" if self.returns == "pairs" else "with_labels()")
        if self.returns == "pairs":
            counts = torch.bincount(self.labels)
            single = [c for c, k in enumerate(counts.tolist()) if k == 1]
            if single:
                raise DataError(f"data set {self.name!r}: pairs of the same class need at least 2 samples per class; "
                                f"class {single[0]} has one" + (f" (and {len(single) - 1} more)" if len(single) > 1 else ""))
            order = torch.argsort(self.labels, stable=True)  # samples grouped by class
            start = torch.cumsum(counts, 0) - counts
            position = torch.empty_like(order)
            position[order] = torch.arange(len(order)) - start[self.labels[order]]
            self._pairing = (order, start, counts, position)

    @property
    def kind(self) -> str:
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

    def with_labels(self, pairs: bool = False) -> "Dataset":
        """A view of the same data whose :meth:`batch` also gives the labels (see the class docstring)."""
        return dataclasses.replace(self, returns="pairs" if pairs else "labels")

    def batch(self, index: torch.Tensor):
        """Float32 batch for training: images scaled to [-1, 1], vectors as stored; with labels in a view.

        In a ``pairs`` view each sample's partner is drawn uniformly from the OTHER samples of its class,
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
        if self.kind == "image":
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


def to_uint8_images(x: torch.Tensor) -> torch.Tensor:
    """Map float images in [-1, 1] back to uint8 0..255 (clamped); inverse of :meth:`Dataset.batch`."""
    return ((x.detach().float() + 1.0) * 127.5).round().clamp(0, 255).to(torch.uint8)


from .builtin import BUILTIN_DATASETS, DEFAULT_MIXTURE_SAMPLES  # noqa: E402  (needs Dataset above)
from .images import (  # noqa: E402
    check_image_options,
    convert_channels,
    find_images,
    load_array,
    load_image_folder,
    resize_images,
)
from .labels import read_label_file  # noqa: E402


def load_dataset(
    source: str | os.PathLike,
    *,
    image_size: int | None = None,
    channels: int | None = None,
    n: int | None = None,
    seed: int = 0,
    labels: str | os.PathLike | None = None,
) -> Dataset:
    """Load a data set by built-in name or path.

    ``source`` is a name in :data:`BUILTIN_DATASETS` (names win over paths; write
    ``./digits`` for a folder of that name), an image folder, or a ``.npy`` /
    ``.npz`` file. ``image_size`` resizes images to squares (shorter side, then
    centre crop); ``channels`` (1 or 3) converts grey <-> RGB. Both are rejected
    for vector data. ``n`` keeps a random subset of that many samples (chosen
    with ``seed``); for the synthetic mixtures it is the number of samples drawn
    (default 10,000) and ``seed`` seeds the draw. ``labels`` is a label file for an image
    folder or an array file (see :mod:`ganforge.data.labels`); it replaces any labels the
    source holds.
    """
    check_image_options(image_size, channels)
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise DataError(f"n must be a positive integer, got {n!r}")

    name = os.fspath(source) if isinstance(source, os.PathLike) else source
    if not isinstance(name, str) or not name:
        raise DataError(f"data source must be a built-in name or a path, got {source!r}")

    if name in BUILTIN_DATASETS:
        if labels is not None:
            raise DataError(f"a label file applies to image folders and array files; the built-in {name!r} "
                            "has its own labels")
        loader, _ = BUILTIN_DATASETS[name]
        ds = loader(n=n, seed=seed)
    else:
        path = Path(name).expanduser()
        if path.is_dir():
            data, found = load_image_folder(path, image_size, channels)
        elif path.is_file():
            if path.suffix.lower() not in (".npy", ".npz"):
                raise DataError(
                    f"{path}: unsupported file type {path.suffix!r}; expected an image folder, a .npy or a .npz file"
                )
            data, found = load_array(path)
        else:
            raise DataError(
                f"unknown data set {name!r}: not a built-in ({', '.join(BUILTIN_DATASETS)}) "
                "and no such file or directory"
            )
        if labels is not None:
            files = [p.relative_to(path).as_posix() for p in find_images(path)] if path.is_dir() else None
            found, _ = read_label_file(labels, len(data), files)
        label = path.resolve().name if path.is_dir() else path.stem
        ds = Dataset(data, label, found).subset(n, seed)

    if ds.kind == "vector":
        if image_size is not None or channels is not None:
            raise DataError(
                f"data set {ds.name!r} holds vectors of shape {ds.sample_shape}; "
                "image_size and channels apply to images only"
            )
        return ds
    data = convert_channels(resize_images(ds.data, image_size), channels)
    if data is ds.data:
        return ds
    return Dataset(data, ds.name, ds.labels, ds.mixture)
