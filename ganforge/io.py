"""Atomic file writes and pictures of samples (image grids, scatter plots, histograms)."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from PIL import Image, ImageDraw


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


def image_grid(images: torch.Tensor, nrow: int | None = None, padding: int = 2) -> Image.Image:
    """Tile float images in [-1, 1] (N, C, H, W) into one PIL image."""
    arr = to_uint8(images)
    n, h, w, c = arr.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    ncol = math.ceil(n / nrow)
    canvas = np.zeros((ncol * (h + padding) + padding, nrow * (w + padding) + padding, c), np.uint8)
    for i in range(n):
        r, q = divmod(i, nrow)
        y, x = padding + r * (h + padding), padding + q * (w + padding)
        canvas[y:y + h, x:x + w] = arr[i]
    return Image.fromarray(canvas[..., 0] if c == 1 else canvas[..., :3])


def scatter_plot(fake: np.ndarray, real: np.ndarray | None = None, size: int = 512) -> Image.Image:
    """2-D points as a picture: real points grey, generated points red."""
    pts = [p for p in (real, fake) if p is not None]
    both = np.concatenate(pts)
    lo, hi = both.min(0), both.max(0)
    span = float((hi - lo).max()) * 1.1 or 1.0
    centre = (lo + hi) / 2
    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)

    def dots(p: np.ndarray, colour: str) -> None:
        xy = (p - centre) / span * (size - 8) + size / 2
        for x, y in xy:
            draw.point((float(x), float(size - y)), fill=colour)

    if real is not None:
        dots(real, "#999999")
    dots(fake, "#d62728")
    return img


def histogram_plot(fake: np.ndarray, real: np.ndarray | None = None, bins: int = 60,
                   size: tuple[int, int] = (512, 256)) -> Image.Image:
    """1-D samples as overlaid histograms: real grey, generated red outline."""
    both = np.concatenate([p for p in (real, fake) if p is not None])
    edges = np.linspace(both.min(), both.max() + 1e-9, bins + 1)
    w, h = size
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    hists = [(np.histogram(p, edges, density=True)[0], c) for p, c in ((real, "#bbbbbb"), (fake, "#d62728"))
             if p is not None]
    top = max(float(hh.max()) for hh, _ in hists) or 1.0
    bw = w / bins
    for k, (hh, colour) in enumerate(hists):
        for i, v in enumerate(hh):
            y = h - v / top * (h - 10)
            box = (i * bw, y, (i + 1) * bw, h)
            draw.rectangle(box, fill=colour) if k == 0 else draw.rectangle(box, outline=colour)
    return img


def save_picture(path: str | Path, samples: torch.Tensor, real: torch.Tensor | None = None) -> Path:
    """Save samples as the picture that fits their shape: grid (images), scatter (2-D), histogram (1-D)."""
    if samples.ndim == 4:
        img = image_grid(samples)
    elif samples.ndim == 2 and samples.shape[1] == 2:
        img = scatter_plot(samples.float().cpu().numpy(), None if real is None else real.float().cpu().numpy())
    elif samples.ndim == 2 and samples.shape[1] == 1:
        img = histogram_plot(samples.float().cpu().numpy()[:, 0],
                             None if real is None else real.float().cpu().numpy()[:, 0])
    else:
        raise ValueError(f"no picture for samples of shape {tuple(samples.shape)}")
    return atomic_write(path, lambda f: img.save(f, format="PNG"))
