"""Building blocks shared by the ganforge networks.

Everything here is a plain :class:`torch.nn.Module` (or a factory returning
one); there is no training logic in this module.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm

__all__ = [
    "NORM_KINDS",
    "check_norm",
    "maybe_spectral_norm",
    "norm_layer",
    "MinibatchStd",
    "ResBlockUp",
    "ResBlockDown",
]

#: Normalisation kinds accepted by :func:`norm_layer` and every network.
NORM_KINDS: tuple[str, ...] = ("batch", "instance", "none")


def check_norm(kind: str) -> str:
    """Return ``kind`` unchanged if it is a supported norm, else raise ``ValueError``."""
    if kind not in NORM_KINDS:
        raise ValueError(f"unknown norm kind {kind!r}; choose one of {', '.join(NORM_KINDS)}")
    return kind


def maybe_spectral_norm(module: nn.Module, enabled: bool) -> nn.Module:
    """Wrap ``module`` with spectral normalisation (parametrization on ``weight``) if ``enabled``."""
    return _spectral_norm(module) if enabled else module


def norm_layer(kind: str, num_features: int, dim: int = 2) -> nn.Module:
    """Create a normalisation layer.

    Args:
        kind: ``"batch"``, ``"instance"`` or ``"none"`` (``nn.Identity``).
        num_features: channels (``dim=2``) or features (``dim=1``).
        dim: 2 for ``(B, C, H, W)`` feature maps, 1 for ``(B, F)`` vectors.

    For ``dim=2`` ``"instance"`` is ``InstanceNorm2d(affine=True)``. For
    ``dim=1`` there is no spatial axis to normalise over, so ``"instance"``
    (per-sample normalisation) maps to ``nn.LayerNorm(num_features)``, which
    normalises each sample over its features and has a learnable affine.
    """
    check_norm(kind)
    if dim not in (1, 2):
        raise ValueError(f"norm_layer dim must be 1 or 2, got {dim!r}")
    if kind == "none":
        return nn.Identity()
    if kind == "batch":
        return nn.BatchNorm2d(num_features) if dim == 2 else nn.BatchNorm1d(num_features)
    return nn.InstanceNorm2d(num_features, affine=True) if dim == 2 else nn.LayerNorm(num_features)


def _group_size(batch: int, group_size: int) -> int:
    """Largest divisor of ``batch`` that is ``<= group_size``; whole batch if that divisor is 1."""
    g = min(group_size, batch)
    while batch % g:
        g -= 1
    if g == 1 and batch > 1:
        g = batch  # e.g. a prime batch: one group over everything beats a constant feature
    return g


class MinibatchStd(nn.Module):
    """StyleGAN-style minibatch standard deviation layer.

    The batch is split into ``M = B // G`` groups of ``G`` samples (samples
    ``m, m + M, m + 2M, ...`` share a group, as in StyleGAN). For each group the std over its
    members is taken per feature, averaged over all features (and positions),
    and appended as one extra constant channel (4-D input, ``(B, C+1, H, W)``)
    or one extra feature (2-D input, ``(B, F+1)``).

    ``G`` is the largest divisor of the batch size ``<= group_size``; if that
    is 1 for a batch larger than 1 (e.g. a prime batch size) the whole batch
    forms one group. A batch of one sample has no spread, so the appended
    statistic is exactly zero (no NaN, gradient zero). The statistic is
    ``sqrt(var + 1e-8)`` computed in float32 and cast back to the input dtype.
    """

    def __init__(self, group_size: int = 4, eps: float = 1e-8) -> None:
        super().__init__()
        if group_size < 1:
            raise ValueError(f"group_size must be >= 1, got {group_size}")
        self.group_size = group_size
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() not in (2, 4):
            raise ValueError(f"MinibatchStd expects a 2-D or 4-D input, got shape {tuple(x.shape)}")
        b = x.shape[0]
        stat_shape = (b, 1) + tuple(x.shape[2:])
        if b <= 1:
            return torch.cat([x, x.new_zeros(stat_shape)], dim=1)
        g = _group_size(b, self.group_size)
        m = b // g
        y = x.float().reshape(g, m, -1)  # group index first: sample b = gi * m + mi
        std = torch.sqrt(y.var(dim=0, unbiased=False) + self.eps)  # (m, features)
        stat = std.mean(dim=1).repeat(g)  # (b,), sample b gets stat of b % m
        stat = stat.to(x.dtype).reshape((b, 1) + (1,) * (x.dim() - 2)).expand(stat_shape)
        return torch.cat([x, stat], dim=1)

    def extra_repr(self) -> str:
        return f"group_size={self.group_size}"


def _conv(in_ch: int, out_ch: int, kernel: int, sn: bool, gain: float = 1.0) -> nn.Module:
    """Conv2d with 'same' padding, Xavier-uniform init (SNGAN), optional spectral norm."""
    conv = nn.Conv2d(in_ch, out_ch, kernel, 1, kernel // 2)
    nn.init.xavier_uniform_(conv.weight, gain=gain)
    nn.init.zeros_(conv.bias)
    return maybe_spectral_norm(conv, sn)


class ResBlockUp(nn.Module):
    """Generator residual block (SN-ResNet / SNGAN).

    Main path: norm -> ReLU -> upsample x2 (nearest) -> conv3x3 -> norm -> ReLU -> conv3x3.
    Shortcut: upsample x2 -> conv1x1 (identity if no upsampling and ``in_ch == out_ch``).
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        norm: str = "batch",
        spectral_norm: bool = False,
        upsample: bool = True,
    ) -> None:
        super().__init__()
        self.upsample = upsample
        self.norm1 = norm_layer(norm, in_ch)
        self.conv1 = _conv(in_ch, out_ch, 3, spectral_norm, gain=math.sqrt(2))
        self.norm2 = norm_layer(norm, out_ch)
        self.conv2 = _conv(out_ch, out_ch, 3, spectral_norm, gain=math.sqrt(2))
        learn_sc = upsample or in_ch != out_ch
        self.shortcut = _conv(in_ch, out_ch, 1, spectral_norm) if learn_sc else nn.Identity()

    def _up(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=2, mode="nearest") if self.upsample else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(self._up(F.relu(self.norm1(x))))
        h = self.conv2(F.relu(self.norm2(h)))
        return h + self.shortcut(self._up(x))


class ResBlockDown(nn.Module):
    """Discriminator residual block (SN-ResNet / SNGAN).

    Regular: [norm] -> ReLU -> conv3x3 -> [norm] -> ReLU -> conv3x3 -> avgpool2;
    shortcut conv1x1 -> avgpool2 (identity if no pooling and ``in_ch == out_ch``).

    ``optimized=True`` is the first block applied to images: no leading
    norm/ReLU (conv3x3 -> [norm] -> ReLU -> conv3x3 -> avgpool2) and the
    shortcut is avgpool2 -> conv1x1. ``norm`` defaults to ``"none"`` as in SNGAN.
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        norm: str = "none",
        spectral_norm: bool = True,
        downsample: bool = True,
        optimized: bool = False,
    ) -> None:
        super().__init__()
        self.downsample = downsample
        self.optimized = optimized
        self.norm1 = nn.Identity() if optimized else norm_layer(norm, in_ch)
        self.conv1 = _conv(in_ch, out_ch, 3, spectral_norm, gain=math.sqrt(2))
        self.norm2 = norm_layer(norm, out_ch)
        self.conv2 = _conv(out_ch, out_ch, 3, spectral_norm, gain=math.sqrt(2))
        learn_sc = optimized or downsample or in_ch != out_ch
        self.shortcut = _conv(in_ch, out_ch, 1, spectral_norm) if learn_sc else nn.Identity()

    def _down(self, x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(x, 2) if self.downsample else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x if self.optimized else F.relu(self.norm1(x))
        h = self.conv1(h)
        h = self.conv2(F.relu(self.norm2(h)))
        h = self._down(h)
        if self.optimized:
            sc = self.shortcut(self._down(x))
        else:
            sc = self._down(self.shortcut(x))
        return h + sc
