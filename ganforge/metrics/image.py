"""Full-reference image quality of paired images (super-resolution, translation): PSNR and SSIM.

Both take ``pred`` and ``target`` of the same shape (N, C, H, W) (or (N, H, W)), uint8 0..255 or
float; ``data_range`` is the span of possible values (default: 255 for integer images, 2 for
floats, read as [-1, 1]). Values are computed per image (over all its channels) and averaged.

SSIM (Wang et al. 2004) uses an 11x11 Gaussian window with sigma 1.5, K1 = 0.01, K2 = 0.03 and
population (not sample) covariances, averaged over the valid part of the SSIM map (away from
the borders) and over channels: the same as ``skimage.metrics.structural_similarity(...,
gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=...)``.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from ganforge.errors import DataError
from ganforge.metrics import register

__all__ = ["psnr", "ssim"]


def _pair(pred: Any, target: Any, data_range: float | None) -> tuple[torch.Tensor, torch.Tensor, float]:
    from ganforge.features import as_samples

    p, t = as_samples(pred, "predicted images"), as_samples(target, "target images")
    if p.ndim != 4 or p.shape != t.shape:
        raise DataError(f"predicted and target images must have the same image shape; got {tuple(p.shape)} "
                        f"and {tuple(t.shape)}")
    if data_range is None:
        data_range = 2.0 if p.is_floating_point() else 255.0
    if not data_range > 0:
        raise DataError(f"data_range must be > 0; got {data_range}")
    return p.double(), t.double(), float(data_range)


@register("psnr", inputs="prediction_and_target")
def psnr(pred: Any, target: Any, *, data_range: float | None = None) -> dict[str, Any]:
    """Mean over images of ``10 log10(data_range^2 / MSE)`` (inf for identical images)."""
    p, t, r = _pair(pred, target, data_range)
    mse = ((p - t) ** 2).flatten(1).mean(1)
    values = [math.inf if m == 0 else 10 * math.log10(r * r / m) for m in mse.tolist()]
    return {"metric": "psnr", "values": {"psnr": sum(values) / len(values)}, "n_fake": len(values),
            "extractor": "none",
            "options": {"data_range": r}}


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(x ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    return g[:, None] * g[None, :]


@register("ssim", inputs="prediction_and_target")
def ssim(pred: Any, target: Any, *, data_range: float | None = None, win_size: int = 11,
         sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03) -> dict[str, Any]:
    """Mean structural similarity (see the module docstring)."""
    p, t, r = _pair(pred, target, data_range)
    if min(p.shape[-2:]) < win_size:
        raise DataError(f"SSIM needs images of at least {win_size}x{win_size} pixels; got {tuple(p.shape[-2:])}")
    n, c = p.shape[:2]
    w = _gaussian_window(win_size, sigma).expand(c, 1, win_size, win_size)

    def blur(x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, w, groups=c)

    mu_p, mu_t = blur(p), blur(t)
    var_p = blur(p * p) - mu_p ** 2
    var_t = blur(t * t) - mu_t ** 2
    cov = blur(p * t) - mu_p * mu_t
    c1, c2 = (k1 * r) ** 2, (k2 * r) ** 2
    s = ((2 * mu_p * mu_t + c1) * (2 * cov + c2)) / ((mu_p ** 2 + mu_t ** 2 + c1) * (var_p + var_t + c2))
    per_image = s.flatten(1).mean(1)
    return {"metric": "ssim", "values": {"ssim": float(per_image.mean())}, "n_fake": int(n),
            "extractor": "none",
            "options": {"data_range": r, "win_size": win_size, "sigma": sigma}}

