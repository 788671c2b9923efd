"""Metrics of image-to-image outputs against their targets: PSNR and SSIM on the Y channel with a
border crop (as super-resolution papers report them), colourfulness (Hasler & Suesstrunk 2003) and
a high-frequency energy ratio from the image spectrum.

All take ``pred`` and ``target`` uint8 ``(N, C, H, W)`` images (RGB or grey) of one shape; a value
is computed per image and averaged.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ganforge.errors import DataError
from ganforge.metrics import register

__all__ = ["colourfulness", "hf_ratio", "luma", "psnr_y", "ssim_y"]


def _uint8_pair(pred: Any, target: Any) -> tuple[torch.Tensor, torch.Tensor]:
    p, t = torch.as_tensor(pred), torch.as_tensor(target)
    if p.ndim == 3:
        p, t = p[None], t[None]
    if p.dtype != torch.uint8 or t.dtype != torch.uint8 or p.ndim != 4 or p.shape != t.shape:
        raise DataError(f"predicted and target images must be uint8 (N, C, H, W) of one shape; got {p.dtype} "
                        f"{tuple(p.shape)} and {t.dtype} {tuple(t.shape)}")
    return p, t


def luma(images: torch.Tensor) -> torch.Tensor:
    """Y of ITU-R BT.601 YCbCr (16..235) of uint8 RGB ``(N, 3, H, W)`` as float64 ``(N, 1, H, W)``; grey as is."""
    x = images.double()
    if x.shape[1] == 1:
        return x
    r, g, b = x.unbind(1)
    return (16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255)[:, None]


def _crop(x: torch.Tensor, border: int) -> torch.Tensor:
    if border and min(x.shape[-2:]) <= 2 * border:
        raise DataError(f"images of {tuple(x.shape[-2:])} pixels are too small for a border crop of {border}")
    return x[..., border:x.shape[-2] - border, border:x.shape[-1] - border] if border else x


@register("psnr_y", inputs="prediction_and_target")
def psnr_y(pred: Any, target: Any, *, crop_border: int = 0) -> dict[str, Any]:
    """PSNR (data range 255) on the Y channel, ``crop_border`` pixels cut from every side (SR: the scale)."""
    from ganforge.metrics.image import psnr

    p, t = _uint8_pair(pred, target)
    out = psnr(_crop(luma(p), crop_border), _crop(luma(t), crop_border), data_range=255.0)
    return {**out, "metric": "psnr_y", "values": {"psnr_y": out["values"]["psnr"]},
            "options": {"crop_border": crop_border, "channel": "Y"}}


@register("ssim_y", inputs="prediction_and_target")
def ssim_y(pred: Any, target: Any, *, crop_border: int = 0) -> dict[str, Any]:
    """SSIM (Gaussian window, data range 255) on the Y channel, with ``crop_border`` as :func:`psnr_y`."""
    from ganforge.metrics.image import ssim

    p, t = _uint8_pair(pred, target)
    out = ssim(_crop(luma(p), crop_border), _crop(luma(t), crop_border), data_range=255.0)
    return {**out, "metric": "ssim_y", "values": {"ssim_y": out["values"]["ssim"]},
            "options": {"crop_border": crop_border, "channel": "Y"}}


def colourfulness_of(images: torch.Tensor) -> torch.Tensor:
    """Hasler & Suesstrunk's colourfulness of each uint8 RGB image: ``sigma_rgyb + 0.3 mu_rgyb`` (0 for grey)."""
    x = images.double()
    if x.shape[1] == 1:
        return torch.zeros(len(x), dtype=torch.float64)
    r, g, b = x.unbind(1)
    rg, yb = (r - g).flatten(1), (0.5 * (r + g) - b).flatten(1)
    sigma = torch.sqrt(rg.var(1, unbiased=False) + yb.var(1, unbiased=False))
    mu = torch.sqrt(rg.mean(1) ** 2 + yb.mean(1) ** 2)
    return sigma + 0.3 * mu


@register("colourfulness", inputs="prediction_and_target", values=("colourfulness", "colourfulness_target", "colourfulness_ratio"))
def colourfulness(pred: Any, target: Any) -> dict[str, Any]:
    """Mean colourfulness of the outputs and of the targets, and their ratio (output / target)."""
    p, t = _uint8_pair(pred, target)
    a, b = float(colourfulness_of(p).mean()), float(colourfulness_of(t).mean())
    return {"metric": "colourfulness", "n_fake": len(p), "extractor": "none", "options": {},
            "values": {"colourfulness": a, "colourfulness_target": b, "colourfulness_ratio": a / b if b else math.nan}}


def high_frequency_energy(images: torch.Tensor, cutoff: float = 0.25) -> torch.Tensor:
    """Per image: the spectral energy of Y (Hann-windowed, mean removed) above ``cutoff`` times the Nyquist
    frequency (radially)."""
    y = luma(images)[:, 0]
    h, w = y.shape[-2:]
    window = torch.hann_window(h, periodic=False, dtype=torch.float64)[:, None] * \
        torch.hann_window(w, periodic=False, dtype=torch.float64)[None, :]
    y = (y - y.mean((-2, -1), keepdim=True)) * window
    power = torch.fft.rfft2(y).abs() ** 2
    return (power * high_band_mask(h, w, cutoff)).flatten(1).sum(1)


def high_band_mask(h: int, w: int, cutoff: float = 0.25) -> torch.Tensor:
    """Which ``rfft2`` frequencies of an ``h`` x ``w`` image lie above ``cutoff`` times the Nyquist frequency
    (radially): the band :func:`hf_ratio` counts."""
    fy, fx = torch.fft.fftfreq(h, dtype=torch.float64), torch.fft.rfftfreq(w, dtype=torch.float64)
    return torch.sqrt(fy[:, None] ** 2 + fx[None, :] ** 2) / 0.5 > cutoff


@register("hf_ratio", inputs="prediction_and_target")
def hf_ratio(pred: Any, target: Any, *, cutoff: float = 0.25) -> dict[str, Any]:
    """Mean over images of the output's high-frequency energy over the target's (1: as sharp; below: blurry)."""
    p, t = _uint8_pair(pred, target)
    ratio = high_frequency_energy(p, cutoff) / high_frequency_energy(t, cutoff).clamp(min=1e-12)
    return {"metric": "hf_ratio", "values": {"hf_ratio": float(ratio.mean())}, "n_fake": len(p),
            "extractor": "none", "options": {"cutoff": cutoff}}
