"""Unpaired image-to-image data (CycleGAN): two domains, A and B, of any sizes and counts.

Where the domains come from (:func:`load_unpaired`): two folders (``data.a``, ``data.b``), or a
folder holding ``trainA/`` and ``trainB/`` (as CycleGAN's data sets are distributed); each may also
be anything :func:`~ganforge.data.load_dataset` reads (a built-in name, an ``.npz``). Both domains
get the same channel count (1 when every image of both is grey, else 3), so the identity loss
applies. Images are read with the paired reader (:func:`~ganforge.data.paired.read_folder`),
optionally resized (``load_size``: the shorter side scaled, the centre square kept) and cropped at random to ``crop`` pixels, flipped at
random, as :class:`~ganforge.data.paired.PairedImages` does.

A batch draws A and B independently: the Trainer's sampler picks the A images, each B image is
drawn uniformly with torch's global generator, whose state every checkpoint holds, so a resumed
run sees the same batches.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from ganforge.errors import DataError

from .images import convert_channels, resize_images
from .paired import random_crop, read_folder

__all__ = ["UnpairedImages", "load_unpaired", "read_domain"]


def read_domain(source: str | os.PathLike, what: str, channels: int | None = None) -> list[Tensor]:
    """The images of one domain as uint8 ``(C, H, W)`` of their own sizes: a folder (recursively), or a
    data set :func:`~ganforge.data.load_dataset` reads. Fewer than 2 images is an error naming the domain."""
    path = Path(source).expanduser()
    if path.is_dir():
        try:
            _, images = read_folder(path, channels)
        except DataError as exc:
            raise DataError(f"domain {what}: {exc}") from None
    else:
        from . import load_dataset

        ds = load_dataset(str(source), channels=channels)
        if ds.modality != "image":
            raise DataError(f"domain {what}: data set {source!r} holds vectors; translation needs images")
        images = list(ds.data)
    if len(images) < 2:
        raise DataError(f"domain {what} ({source}) holds {len(images)} image(s); unpaired translation needs at "
                        f"least 2 per domain (and hundreds to learn anything)")
    return images


@dataclass
class UnpairedImages:
    """Images of domains A and B for unpaired translation; a batch is ``(a, b)``, float32 in [-1, 1].

    An epoch visits every A image ``repeats`` times (sampler order) and draws as many B images at
    random. ``load_size`` resizes every image to a square of that size first (None: as stored);
    ``crop`` is the training crop (images smaller than it are an error).
    """

    a: list[Tensor]
    b: list[Tensor]
    name: str
    crop: int = 128
    load_size: int | None = None
    flip: bool = True
    repeats: int = 1
    kind: str = "image"
    unit: str = "images"
    labels = None  # what the Trainer and callbacks ask of any data set: no classes, no mixture
    mixture = None

    def __post_init__(self) -> None:
        if self.load_size is not None:
            self.a = [resize_images(t[None], self.load_size)[0] for t in self.a]
            self.b = [resize_images(t[None], self.load_size)[0] for t in self.b]
        for domain, images in (("A", self.a), ("B", self.b)):
            for i, t in enumerate(images):
                if min(t.shape[1:]) < self.crop:
                    raise DataError(f"{self.name}: image {i} of domain {domain} ({t.shape[2]}x{t.shape[1]}) is "
                                    f"smaller than the {self.crop}-pixel training crop; lower cyclegan.crop or set "
                                    f"cyclegan.load_size")

    def __len__(self) -> int:
        return len(self.a) * self.repeats

    @property
    def channels(self) -> int:
        return self.a[0].shape[0]

    @property
    def sample_shape(self) -> tuple[int, int, int]:
        return (self.channels, self.crop, self.crop)

    def batch(self, index: Tensor) -> tuple[Tensor, Tensor]:
        """Random crops (and flips) of A images ``index % len(a)`` and of as many B images drawn at random."""
        a = [self.crop_of(self.a[int(i) % len(self.a)]) for i in index.tolist()]
        b_index = torch.randint(len(self.b), (len(index),)).tolist()
        b = [self.crop_of(self.b[j]) for j in b_index]
        return torch.stack(a), torch.stack(b)

    def crop_of(self, image: Tensor, centre: bool = False) -> Tensor:
        """A random (or the centre) ``crop`` square of a uint8 image, flipped at random, in [-1, 1]."""
        h, w = image.shape[1:]
        if centre:
            top, left = (h - self.crop) // 2, (w - self.crop) // 2
        else:
            top, left = random_crop(self.crop, h, w)
        out = image[:, top:top + self.crop, left:left + self.crop]
        if not centre and self.flip and bool(torch.rand(()) < 0.5):
            out = out.flip(2)
        return out.float() / 127.5 - 1.0

    def fixed(self, n: int) -> tuple[Tensor, Tensor]:
        """The same ``n`` A and ``n`` B images at every call: centre crops of the first images of each domain."""
        a = [self.crop_of(self.a[i % len(self.a)], centre=True) for i in range(n)]
        b = [self.crop_of(self.b[i % len(self.b)], centre=True) for i in range(n)]
        return torch.stack(a), torch.stack(b)


def load_unpaired(a: str | os.PathLike | None, b: str | os.PathLike | None, source: str | os.PathLike | None = None,
                  *, crop: int = 128, load_size: int | None = None, channels: int | None = None, flip: bool = True,
                  repeats: int | None = None) -> UnpairedImages:
    """Domains ``a`` and ``b`` (folders or data sets), or ``source/trainA`` and ``source/trainB``.

    ``channels`` None: 1 when every image of both domains is grey, else 3. ``repeats`` (default: enough
    for about 1,000 A crops an epoch) is how often an epoch visits each A image.
    """
    if a is None or b is None:
        root = Path(source).expanduser() if source else None
        if root is None or not ((root / "trainA").is_dir() and (root / "trainB").is_dir()):
            where = f"{source} has no trainA/ and trainB/ folders" if source else "no data given"
            raise DataError(f"unpaired translation needs two domains: set data.a=DIR and data.b=DIR, or data.source "
                            f"to a folder with trainA/ and trainB/ ({where})")
        if a is not None or b is not None:
            raise DataError("set both data.a and data.b, or neither (data.source with trainA/ and trainB/)")
        a, b = root / "trainA", root / "trainB"
    images_a, images_b = read_domain(a, "A", channels), read_domain(b, "B", channels)
    if channels is None:
        channels = max(images_a[0].shape[0], images_b[0].shape[0])
    images_a = [convert_channels(t[None], channels)[0] for t in images_a]
    images_b = [convert_channels(t[None], channels)[0] for t in images_b]
    name = f"{Path(a).name}->{Path(b).name}"
    repeats = repeats or max(1, -(-1000 // len(images_a)))
    return UnpairedImages(images_a, images_b, name, crop, load_size, flip, repeats)
