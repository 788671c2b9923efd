"""Built-in data sets, available by name to :func:`ganforge.data.load_dataset`.

Each loader is called as ``loader(n=None, seed=0)`` and returns a
:class:`ganforge.data.Dataset`. For the finite image sets ``n`` keeps a seeded
random subset; for the synthetic mixtures it is the number of samples drawn
(default :data:`DEFAULT_MIXTURE_SAMPLES`) and ``seed`` seeds the draw.
"""

from __future__ import annotations

from importlib import resources
from typing import Callable

import numpy as np
import torch

from ganforge.errors import DataError

from .dataset import Dataset
from .mixtures import Mixture, gaussian1d, grid25, ring8

__all__ = ["BUILTIN_DATASETS", "DEFAULT_MIXTURE_SAMPLES", "load_digits", "load_mnist"]

DEFAULT_MIXTURE_SAMPLES = 10_000
MNIST_ASSET = "mnist_5k.npz"


def load_digits(n: int | None = None, seed: int = 0) -> "Dataset":
    """scikit-learn's 1,797 8x8 grey digits, values 0..16 scaled to uint8 0..255, with labels."""
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    images = np.rint(bunch.images * (255.0 / 16.0)).clip(0, 255).astype(np.uint8)
    data = torch.from_numpy(images).unsqueeze(1)
    labels = torch.from_numpy(bunch.target.astype(np.int64))
    return Dataset(data, "digits", labels).subset(n, seed)


def load_mnist(n: int | None = None, seed: int = 0) -> "Dataset":
    """The vendored 5,000-digit MNIST subset (28x28 grey, 500 per class), with labels."""
    asset = resources.files("ganforge.data").joinpath("assets").joinpath(MNIST_ASSET)
    try:
        with asset.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
            images, labels = npz["images"], npz["labels"]
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"cannot read the packaged MNIST asset {MNIST_ASSET}: {exc}") from exc
    data = torch.from_numpy(np.ascontiguousarray(images, dtype=np.uint8)).unsqueeze(1)
    return Dataset(data, "mnist", torch.from_numpy(labels.astype(np.int64))).subset(n, seed)


def _mixture_loader(name: str, make: Callable[[], Mixture]) -> Callable[..., "Dataset"]:
    def load(n: int | None = None, seed: int = 0) -> "Dataset":
        count = DEFAULT_MIXTURE_SAMPLES if n is None else n
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise DataError(f"n must be a positive integer, got {n!r}")
        mixture = make()
        generator = torch.Generator().manual_seed(int(seed))
        return Dataset(mixture.sample(count, generator), name, mixture=mixture)

    load.__name__ = f"load_{name}"
    load.__doc__ = f"Draw n (default {DEFAULT_MIXTURE_SAMPLES:,}) samples from {make.__name__}()."
    return load


BUILTIN_DATASETS: dict[str, tuple[Callable[..., "Dataset"], str]] = {
    "digits": (load_digits, "scikit-learn digits: 1,797 8x8 grey images of 0-9, labelled"),
    "mnist": (load_mnist, "MNIST subset: 5,000 28x28 grey digits, 500 per class, labelled"),
    "ring8": (_mixture_loader("ring8", ring8), "2-D: 8 Gaussians on a circle of radius 1, std 0.01"),
    "grid25": (_mixture_loader("grid25", grid25), "2-D: 25 Gaussians on the grid {-4,-2,0,2,4}^2, std 0.05"),
    "gaussian1d": (_mixture_loader("gaussian1d", gaussian1d), "1-D: a Gaussian with mean 4.0 and std 1.25"),
}


def _sound_loader(module: str, function: str, split: str) -> Callable[..., "Dataset"]:
    """A loader of the sound data sets (found on disk, see :mod:`ganforge.data.shared`), imported when used."""
    def load(n: int | None = None, seed: int = 0) -> "Dataset":
        import importlib

        return getattr(importlib.import_module(module), function)(split, n=n, seed=seed)

    return load


BUILTIN_DATASETS.update({
    "spoken-digits": (_sound_loader("ganforge.audio.data", "load_spoken_digits", "train"),
                      "audio: 2,000 spoken digits zero..nine, 16 kHz, 16,384 samples, 40 voices, labelled"),
    "spoken-digits-test": (_sound_loader("ganforge.audio.data", "load_spoken_digits", "test"),
                           "audio: 500 spoken digits by 10 held-out voices (the test split)"),
    "chorales": (_sound_loader("ganforge.music.data", "load_chorales", "train"),
                 "music: 4-bar SATB phrases of the Bach chorales in 4/4 (training split), piano rolls"),
    "chorales-test": (_sound_loader("ganforge.music.data", "load_chorales", "test"),
                      "music: the test split of the chorales, as 4-bar phrases"),
})
