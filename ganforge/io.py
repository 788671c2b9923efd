"""Atomic file writes, and pictures of samples saved as PNG (drawn by :mod:`ganforge.plots`)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from PIL import Image

from ganforge import plots


def atomic_write(path: str | Path, write: Callable[[Any], None], mode: str = "wb") -> Path:
    """Write a file through ``write(fileobj)`` into a temporary sibling, then rename it into place.

    A crash or Ctrl-C mid-write leaves the previous file intact, never a half-written one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda f: f.write(text), mode="w")


def write_json(path: str | Path, obj: Any) -> Path:
    return write_text(path, json.dumps(obj, indent=2, default=str) + "\n")


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """Float images in [-1, 1], (N, C, H, W) -> uint8 (N, H, W, C)."""
    x = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).contiguous().numpy()


def picture(samples: torch.Tensor, real: torch.Tensor | None = None, caption: str | None = None) -> Image.Image:
    """The picture that fits the samples' shape: a grid (images), a scatter plot (2-D), a histogram (1-D).

    ``real`` samples of the same shape are drawn in grey behind generated points; ``caption`` (e.g.
    "step 1500") goes in a strip above the picture.
    """
    def points(x: torch.Tensor | None) -> np.ndarray | None:
        return None if x is None else x.detach().float().cpu().numpy()

    if samples.ndim == 4:
        img = plots.image_grid(to_uint8(samples))
    elif samples.ndim == 2 and samples.shape[1] == 2:
        img = plots.scatter_plot(points(samples), points(real))
    elif samples.ndim == 2 and samples.shape[1] == 1:
        img = plots.histogram_plot(points(samples)[:, 0], None if real is None else points(real)[:, 0])
    else:
        raise ValueError(f"no picture for samples of shape {tuple(samples.shape)}")
    return plots.with_caption(img, caption) if caption else img


def save_picture(path: str | Path, samples: torch.Tensor, real: torch.Tensor | None = None,
                 caption: str | None = None) -> Path:
    """Write :func:`picture` of the samples as a PNG, atomically."""
    return save_image(path, picture(samples, real, caption))


def save_image(path: str | Path, img: Image.Image) -> Path:
    """Write a PIL image as a PNG, atomically."""
    return atomic_write(path, lambda f: img.save(f, format="PNG"))
