"""Apply an image-to-image network to an image of any size in overlapping tiles, blended.

Memory is bounded by the tile, not the image: one tile at a time goes through the network, and the
outputs are accumulated, weighted, into the (``scale`` times larger) result. A tile's weight is 0
within ``margin`` input pixels of an edge it shares with a neighbour (where the network saw zero
padding instead of the image) and ramps linearly to 1 across the rest of the overlap, so a network
that sees at most ``margin`` pixels around each output pixel gives exactly what it gives on the
whole image, and any other network (a U-Net) gives no visible seam.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["tiled"]


def _starts(size: int, tile: int, step: int) -> list[int]:
    if size <= tile:
        return [0]
    starts = list(range(0, size - tile, step))
    return starts + [size - tile]


def _ramp(length: int, start: int, tile: int, size: int, margin: int, overlap: int) -> Tensor:
    """Weights along one axis of a tile covering ``[start, start + length)`` of ``size``."""
    pos = torch.arange(length, dtype=torch.float64)
    weight = torch.ones(length, dtype=torch.float64)
    span = max(overlap - 2 * margin, 1)
    if start > 0:
        weight = torch.minimum(weight, ((pos - margin + 1) / span).clamp(0, 1))
    if start + length < size:
        weight = torch.minimum(weight, ((length - 1 - pos - margin + 1) / span).clamp(0, 1))
    return weight


def tiled(fn: Callable[[Tensor], Tensor], x: Tensor, *, tile: int = 256, overlap: int = 32, margin: int | None = None,
          scale: int = 1, multiple: int = 1) -> Tensor:
    """``fn(x)`` for a batch ``(N, C, H, W)``, computed in ``tile``-pixel tiles that overlap by ``overlap``.

    ``scale``: the output's size over the input's; ``multiple``: sides the network needs divisible
    by it (a U-Net's ``2**depth``); the image is padded by reflection to fit and the output cropped.
    ``margin`` (default ``overlap // 4``) is how many input pixels at a shared tile edge are given no
    weight; set it to the network's receptive radius for an exact result (``overlap > 2 * margin``).
    """
    if margin is None:
        margin = overlap // 4
    if overlap <= 2 * margin:
        raise ValueError(f"the tiles' overlap ({overlap}) must exceed twice the margin ({margin})")
    tile = max(multiple, tile // multiple * multiple)
    if tile <= overlap:
        raise ValueError(f"tiles of {tile} px must be larger than their overlap ({overlap})")
    n, _, h, w = x.shape
    pad_h, pad_w = -h % multiple, -w % multiple
    if pad_h or pad_w:
        mode = "reflect" if pad_h < h and pad_w < w else "replicate"
        x = F.pad(x, (0, pad_w, 0, pad_h), mode=mode)
    H, W = x.shape[-2:]
    th, tw = min(tile, H), min(tile, W)
    out = weights = None
    for top in _starts(H, th, th - overlap):
        for left in _starts(W, tw, tw - overlap):
            y = fn(x[:, :, top:top + th, left:left + tw]).float()
            if out is None:
                out = torch.zeros(n, y.shape[1], H * scale, W * scale, dtype=torch.float32, device=y.device)
                weights = torch.zeros(1, 1, H * scale, W * scale, dtype=torch.float32, device=y.device)
            wy = _ramp(th * scale, top * scale, th * scale, H * scale, margin * scale, overlap * scale)
            wx = _ramp(tw * scale, left * scale, tw * scale, W * scale, margin * scale, overlap * scale)
            window = (wy[:, None] * wx[None, :]).to(y)
            rows, cols = slice(top * scale, (top + th) * scale), slice(left * scale, (left + tw) * scale)
            out[:, :, rows, cols] += y * window
            weights[:, :, rows, cols] += window
    return (out / weights)[:, :, : h * scale, : w * scale]
