"""sRGB <-> CIE Lab (D65 white, 2-degree observer), on tensors ``(N, 3, H, W)``; differentiable.

RGB values are sRGB in [0, 1]; L lies in [0, 100], a and b roughly in [-110, 110]. Colourisation
trains on the L channel (input) and the a, b channels (target): :func:`lab_to_rgb` puts them
back together.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["AB_SCALE", "L_SCALE", "lab_to_rgb", "rgb_to_lab"]

#: Scales that bring L (0..100) and a, b (about -110..110) to about [-1, 1] for networks.
L_SCALE, AB_SCALE = 50.0, 110.0

_RGB_TO_XYZ = torch.tensor([[0.412453, 0.357580, 0.180423],
                            [0.212671, 0.715160, 0.072169],
                            [0.019334, 0.119193, 0.950227]], dtype=torch.float64)
_WHITE = torch.tensor([0.95047, 1.0, 1.08883], dtype=torch.float64)  # D65
_DELTA = 6.0 / 29.0


def _matmul(matrix: Tensor, x: Tensor) -> Tensor:
    return torch.einsum("ij,njhw->nihw", matrix.to(x), x)


def _f(t: Tensor) -> Tensor:
    return torch.where(t > _DELTA ** 3, t.clamp(min=_DELTA ** 3) ** (1 / 3), t / (3 * _DELTA ** 2) + 4 / 29)


def _f_inv(t: Tensor) -> Tensor:
    return torch.where(t > _DELTA, t ** 3, 3 * _DELTA ** 2 * (t - 4 / 29))


def rgb_to_lab(rgb: Tensor) -> Tensor:
    """sRGB in [0, 1] ``(N, 3, H, W)`` -> Lab ``(N, 3, H, W)``."""
    c = rgb.clamp(0, 1)
    linear = torch.where(c > 0.04045, ((c.clamp(min=0.04045) + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = _matmul(_RGB_TO_XYZ, linear) / _WHITE.to(rgb).view(1, 3, 1, 1)
    fx, fy, fz = _f(xyz).unbind(1)
    return torch.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], 1)


def lab_to_rgb(lab: Tensor) -> Tensor:
    """Lab ``(N, 3, H, W)`` -> sRGB in [0, 1] (colours outside the sRGB gamut are clipped)."""
    l, a, b = lab.unbind(1)
    fy = (l + 16) / 116
    f = torch.stack([fy + a / 500, fy, fy - b / 200], 1)
    xyz = _f_inv(f) * _WHITE.to(lab).view(1, 3, 1, 1)
    linear = _matmul(torch.linalg.inv(_RGB_TO_XYZ), xyz).clamp(0, 1)
    return torch.where(linear > 0.0031308, 1.055 * linear.clamp(min=0.0031308) ** (1 / 2.4) - 0.055, 12.92 * linear)
