"""Image-to-image data: pairs of (input, target) images, cropped at random for training.

Where pairs come from (:func:`load_paired`):

- ``pairs``: a folder with ``A/`` and ``B/`` sub-folders whose files match by name (extension
  aside), or a folder of side-by-side images as pix2pix distributes them (A left, B right), read
  in ``direction`` AtoB or BtoA;
- ``colorize``: any folder of colour images; the input is the L channel of Lab, the target its
  a, b channels (:mod:`ganforge.data.colour`);
- ``sr``: any folder of high-resolution images; the low-resolution input is made on the fly by
  bicubic down-sampling by ``scale``, with an optional realistic :class:`~ganforge.data.degrade.Degradation`.

Images may have any size (they are kept as a list); :class:`PairedImages` crops them at random
(with random horizontal flips) to ``crop`` pixels of target, drawing with torch's global generator
so a resumed run sees the same batches. The reading helpers (:func:`read_folder`, :func:`random_crop`)
are shared with unpaired translation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch
from torch import Tensor

from ganforge.errors import DataError

from .colour import AB_SCALE, L_SCALE, lab_to_rgb, rgb_to_lab
from .degrade import Degradation, downscale
from .images import _decode, convert_channels, find_images

__all__ = ["PairedImages", "Task", "encode_input", "load_paired", "read_folder", "random_crop", "render", "shown_input",
           "side_by_side", "paired_folders"]

Task = Literal["pairs", "colorize", "sr"]


# ----------------------------------------------------------------------------------------- reading
def _tensor(array) -> Tensor:
    t = torch.from_numpy(array)
    return t.unsqueeze(0) if t.ndim == 2 else t.permute(2, 0, 1).contiguous()


def read_folder(root: str | os.PathLike, channels: int | None = None) -> tuple[list[str], list[Tensor]]:
    """Every image under ``root`` (recursively, sorted) as uint8 ``(C, H, W)`` of its own size, with its
    relative path. ``channels`` None: 1 when every image is grey, else 3."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataError(f"image folder {root} does not exist" if not root.exists() else f"{root} is not a folder")
    files = find_images(root)
    if not files:
        raise DataError(f"no images found in {root}")
    images = [_tensor(_decode(p, None)) for p in files]
    if channels is None:
        channels = 1 if all(t.shape[0] == 1 for t in images) else 3
    images = [convert_channels(t[None], channels)[0] for t in images]
    return [p.relative_to(root).as_posix() for p in files], images


def paired_folders(root: Path, channels: int | None = None) -> tuple[list[str], list[Tensor], list[Tensor]]:
    """``root/A`` and ``root/B`` matched by file name without extension: (names, A images, B images)."""
    a_names, a_images = read_folder(root / "A", channels)
    b_names, b_images = read_folder(root / "B", channels)
    stem = lambda name: name.rsplit(".", 1)[0]  # noqa: E731
    a_index = {stem(n): i for i, n in enumerate(a_names)}
    b_index = {stem(n): i for i, n in enumerate(b_names)}
    only_a, only_b = sorted(set(a_index) - set(b_index)), sorted(set(b_index) - set(a_index))
    if only_a or only_b:
        side, names = ("A", only_a) if only_a else ("B", only_b)
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        raise DataError(f"{root}: {len(names)} image(s) in {side}/ have no partner of the same name in "
                        f"{'B' if side == 'A' else 'A'}/: {', '.join(names[:3])}{more}")
    names = sorted(a_index)
    a = [a_images[a_index[n]] for n in names]
    b = [b_images[b_index[n]] for n in names]
    for n, x, y in zip(names, a, b):
        if x.shape[1:] != y.shape[1:]:
            raise DataError(f"{root}: pair {n!r} has images of different sizes: A {x.shape[2]}x{x.shape[1]}, "
                            f"B {y.shape[2]}x{y.shape[1]}")
    return names, a, b


def side_by_side(images: list[Tensor], names: list[str], direction: str) -> tuple[list[Tensor], list[Tensor]]:
    """Split pix2pix's side-by-side images (A left, B right) into (inputs, targets) for ``direction``."""
    if direction not in ("AtoB", "BtoA"):
        raise DataError(f"direction must be AtoB or BtoA; got {direction!r}")
    left, right = [], []
    for name, image in zip(names, images):
        w = image.shape[2]
        if w % 2:
            raise DataError(f"{name}: a side-by-side pair must have an even width (A left, B right); got {w}")
        left.append(image[:, :, : w // 2])
        right.append(image[:, :, w // 2:])
    return (left, right) if direction == "AtoB" else (right, left)


# -------------------------------------------------------------------------------------- cropping
def random_crop(size: int, h: int, w: int, generator: torch.Generator | None = None,
                multiple: int = 1) -> tuple[int, int]:
    """Top-left corner of a random ``size`` square in an ``h`` x ``w`` image (on a grid of ``multiple``)."""
    top = int(torch.randint((h - size) // multiple + 1, (), generator=generator)) * multiple
    left = int(torch.randint((w - size) // multiple + 1, (), generator=generator)) * multiple
    return top, left


# -------------------------------------------------------------------------------- encoding
def _floats(x: Tensor) -> Tensor:
    return x.float() / 127.5 - 1.0


def render(task: Task, inputs: Tensor, outputs: Tensor) -> Tensor:
    """What a network's outputs show, as images in [-1, 1]: colourisation puts the input's L and the
    predicted a, b back together in RGB; other tasks output images already."""
    if task != "colorize":
        return outputs
    lab = torch.cat([(inputs.float() + 1) * L_SCALE, outputs.float().clamp(-1, 1) * AB_SCALE], 1)
    return lab_to_rgb(lab) * 2 - 1


def shown_input(task: Task, inputs: Tensor, like: Tensor) -> Tensor:
    """Inputs drawn next to outputs ``like`` them: enlarged (nearest) to their size, grey as RGB."""
    x = inputs.float()
    if x.shape[-2:] != like.shape[-2:]:
        x = torch.nn.functional.interpolate(x, size=like.shape[-2:], mode="nearest")
    if x.shape[1] != like.shape[1]:
        x = x.repeat(1, like.shape[1] // x.shape[1], 1, 1)
    return x


@dataclass
class PairedImages:
    """(input, target) pairs for image-to-image training, cropped at random.

    ``targets`` are uint8 ``(C, H, W)`` images of any size; ``inputs`` the matching images (task
    ``pairs``) or None (``colorize``, ``sr``: made from the target). An epoch visits each image
    ``repeats`` times (so few large images still fill batches). :meth:`batch` gives float32
    ``(inputs, targets)``; :attr:`sample_shape` is the shape of what the translator outputs, as shown.
    """

    targets: list[Tensor]
    name: str
    task: Task = "pairs"
    inputs: list[Tensor] | None = None
    crop: int = 256
    scale: int = 1
    degradation: Degradation | None = None
    flip: bool = True
    repeats: int = 1
    names: list[str] = field(default_factory=list)
    kind: str = "image"
    unit: str = "pairs"
    labels = None  # what the Trainer and callbacks ask of any data set: no classes, no mixture
    mixture = None

    def __post_init__(self) -> None:
        if not self.targets:
            raise DataError(f"data set {self.name!r} is empty")
        if self.task == "pairs" and (self.inputs is None or len(self.inputs) != len(self.targets)):
            raise DataError(f"data set {self.name!r}: pairs need one input per target")
        if self.task == "colorize" and self.targets[0].shape[0] != 3:
            raise DataError(f"data set {self.name!r}: colourisation needs colour (RGB) images")
        if self.crop % self.scale:
            raise DataError(f"the crop ({self.crop}) must be a multiple of the scale ({self.scale})")
        names = self.names or [str(i) for i in range(len(self.targets))]
        for name, t in zip(names, self.targets):
            if min(t.shape[1:]) < self.crop:
                raise DataError(f"{self.name}: image {name} ({t.shape[2]}x{t.shape[1]}) is smaller than the "
                                f"{self.crop}-pixel training crop; lower the crop or leave the image out")

    # -- what the Trainer and the GAN ask -------------------------------------------------------
    def __len__(self) -> int:
        return len(self.targets) * self.repeats

    @property
    def channels(self) -> tuple[int, int]:
        """(input channels, output channels of the network): colourisation maps L to a, b."""
        c = self.targets[0].shape[0]
        if self.task == "colorize":
            return 1, 2
        return (self.inputs[0].shape[0] if self.inputs else c), c

    @property
    def sample_shape(self) -> tuple[int, int, int]:
        """Shape of one shown output: a target crop (RGB for colourisation)."""
        return (self.targets[0].shape[0], self.crop, self.crop)

    def batch(self, index: Tensor) -> tuple[Tensor, Tensor]:
        """Random crops (and flips) of the images ``index % len(images)``, as float32 (inputs, targets)."""
        pairs = [self.pair(int(i) % len(self.targets)) for i in index.tolist()]
        return torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])

    def fixed(self, n: int) -> tuple[Tensor, Tensor]:
        """The same ``n`` pairs at every call: centre crops of the first images, degraded with seed 0."""
        g = torch.Generator().manual_seed(0)
        pairs = [self.pair(i % len(self.targets), centre=True, generator=g) for i in range(n)]
        return torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])

    def pair(self, i: int, centre: bool = False, generator: torch.Generator | None = None,
             whole: bool = False) -> tuple[Tensor, Tensor]:
        """Image ``i``'s (input, target): a random crop, the centre crop, or the ``whole`` image (its sides
        cut to multiples of the scale)."""
        target = self.targets[i]
        source = self.inputs[i] if self.inputs is not None else None
        h, w = target.shape[1:]
        if whole:
            top, left, ch, cw = 0, 0, h - h % self.scale, w - w % self.scale
        else:
            ch = cw = self.crop
            if centre:
                top, left = (h - ch) // 2 // self.scale * self.scale, (w - cw) // 2 // self.scale * self.scale
            else:
                top, left = random_crop(self.crop, h, w, generator, self.scale)
        target = target[:, top:top + ch, left:left + cw]
        if source is not None:
            source = source[:, top:top + ch, left:left + cw]
        if not centre and not whole and self.flip and bool(torch.rand((), generator=generator) < 0.5):
            target = target.flip(2)
            source = None if source is None else source.flip(2)
        return self.encode(target, source, generator)

    def encode(self, target: Tensor, source: Tensor | None = None,
               generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """The network's (input, target) for a uint8 target image (and its given input, task pairs)."""
        if self.task == "pairs":
            return _floats(source), _floats(target)
        if self.task == "colorize":
            lab = rgb_to_lab(target[None].float() / 255)[0]
            return lab[:1] / L_SCALE - 1, lab[1:] / AB_SCALE
        low = (self.degradation(target, self.scale, generator) if self.degradation is not None
               else downscale(target, self.scale))
        return _floats(low), _floats(target)


# ----------------------------------------------------------------------------------------- loading
def load_paired(source: str | os.PathLike, task: Task, *, crop: int = 256, scale: int = 1,
                direction: str = "AtoB", degradation: Degradation | None = None, channels: int | None = None,
                n: int | None = None, seed: int = 0, repeats: int | None = None, flip: bool = True) -> PairedImages:
    """Pairs of ``task`` from ``source`` (a folder; for colorize and sr also a built-in data set name).

    ``n`` keeps that many images (chosen with ``seed``); ``repeats`` (default: enough for about 1,000
    crops per epoch) is how often an epoch visits each image.
    """
    path = Path(source).expanduser()
    name = path.resolve().name if path.is_dir() else str(source)
    inputs = None
    if task == "pairs":
        if not path.is_dir():
            raise DataError(f"paired data: {source} is not a folder (A/ and B/ sub-folders, or side-by-side images)")
        if (path / "A").is_dir() or (path / "B").is_dir():
            names, inputs, targets = paired_folders(path, channels)
            if direction == "BtoA":
                inputs, targets = targets, inputs
        else:
            names, images = read_folder(path, channels)
            inputs, targets = side_by_side(images, names, direction)
    elif path.is_dir():
        names, targets = read_folder(path, None if task == "colorize" else channels)
        if task == "colorize":
            if all(t.shape[0] == 1 for t in targets):
                raise DataError(f"colourisation learns from colour images; every image in {path} is grey")
            targets = [convert_channels(t[None], 3)[0] for t in targets]
    else:
        from . import load_dataset

        ds = load_dataset(str(source), channels=3 if task == "colorize" else channels)
        if ds.kind != "image":
            raise DataError(f"data set {name!r} holds vectors; image-to-image needs images")
        targets, names = list(ds.data), [str(i) for i in range(len(ds))]
    if n is not None:
        if n > len(targets):
            raise DataError(f"n={n} is larger than data set {name!r}, which has {len(targets)} images")
        keep = torch.randperm(len(targets), generator=torch.Generator().manual_seed(seed))[:n].sort().values.tolist()
        targets, names = [targets[i] for i in keep], [names[i] for i in keep]
        inputs = None if inputs is None else [inputs[i] for i in keep]
    repeats = repeats or max(1, -(-1000 // len(targets)))
    return PairedImages(targets, name, task, inputs, crop, scale, degradation, flip, repeats, names)


def encode_input(task: Task, image: Tensor, in_channels: int) -> Tensor:
    """A uint8 ``(C, H, W)`` image as a translator's input ``(1, in_channels, H, W)``: for colourisation the
    L channel of any image (colour or grey), else the image in [-1, 1] with ``in_channels`` channels."""
    if task == "colorize":
        lab = rgb_to_lab(convert_channels(image[None], 3).float() / 255)
        return lab[:, :1] / L_SCALE - 1
    return _floats(convert_channels(image[None], in_channels))
