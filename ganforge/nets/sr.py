"""Super-resolution generators: SRResNet (Ledig et al. 2017) and the RRDB network of ESRGAN (Wang et al. 2018).

Both map a low-resolution image ``(N, C, h, w)`` to ``(N, C, scale*h, scale*w)`` for scale 2, 3 or
4, and by default add the bicubic enlargement of the input to their output (``residual``: the
network learns the detail bicubic misses, which trains much faster; BasicSR's MSRResNet does the
same), without batch norm (as BasicSR and ESRGAN: no artefacts, and tiles give the same result as
the whole image). ``radius`` bounds how far (in input pixels) an output pixel sees, for tiling.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["RRDBNet", "SRResNet", "SCALES"]

SCALES = (2, 3, 4)


def _check_scale(scale: int) -> None:
    if scale not in SCALES:
        raise ValueError(f"super-resolution scale must be 2, 3 or 4; got {scale}")


def _steps(scale: int) -> list[int]:
    return [2, 2] if scale == 4 else [scale]


class _Residual(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(width, width, 3, 1, 1), nn.PReLU(width), nn.Conv2d(width, width, 3, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class _SRBase(nn.Module):
    scale: int
    residual: bool

    def _out(self, x: Tensor, y: Tensor) -> Tensor:
        if self.residual:
            y = y + F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
        return y


class SRResNet(_SRBase):
    """SRResNet: a 9x9 conv, ``blocks`` residual blocks, a long skip, pixel-shuffle up-sampling, a 9x9 conv."""

    def __init__(self, channels: int = 3, scale: int = 4, width: int = 64, blocks: int = 16,
                 residual: bool = True) -> None:
        super().__init__()
        _check_scale(scale)
        self.scale, self.residual = scale, residual
        self.head = nn.Sequential(nn.Conv2d(channels, width, 9, 1, 4), nn.PReLU(width))
        self.body = nn.Sequential(*[_Residual(width) for _ in range(blocks)], nn.Conv2d(width, width, 3, 1, 1))
        up: list[nn.Module] = []
        for s in _steps(scale):
            up += [nn.Conv2d(width, width * s * s, 3, 1, 1), nn.PixelShuffle(s), nn.PReLU(width)]
        self.up = nn.Sequential(*up)
        self.tail = nn.Conv2d(width, channels, 9, 1, 4)
        if residual:
            nn.init.zeros_(self.tail.weight)
            nn.init.zeros_(self.tail.bias)
        # 4 (head) + 2 per block + 1 (body) + 1 per up-sampling conv + 4 px at full size, + 2 for bicubic
        self.radius = 4 + 2 * blocks + 1 + len(_steps(scale)) + 4 + 2

    def forward(self, x: Tensor) -> Tensor:
        h = self.head(x)
        return self._out(x, self.tail(self.up(h + self.body(h))))


class _DenseBlock(nn.Module):
    """Residual dense block: five 3x3 convs, each seeing all earlier maps; output scaled by 0.2."""

    def __init__(self, width: int, growth: int) -> None:
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(width + i * growth, growth if i < 4 else width, 3, 1, 1)
                                   for i in range(5))
        for conv in self.convs:
            nn.init.kaiming_normal_(conv.weight, a=0.2)
            conv.weight.data.mul_(0.1)
            nn.init.zeros_(conv.bias)

    def forward(self, x: Tensor) -> Tensor:
        maps = [x]
        for i, conv in enumerate(self.convs):
            y = conv(torch.cat(maps, 1))
            if i < 4:
                maps.append(F.leaky_relu(y, 0.2))
        return x + 0.2 * y


class _RRDB(nn.Module):
    def __init__(self, width: int, growth: int) -> None:
        super().__init__()
        self.blocks = nn.Sequential(*[_DenseBlock(width, growth) for _ in range(3)])

    def forward(self, x: Tensor) -> Tensor:
        return x + 0.2 * self.blocks(x)


class RRDBNet(_SRBase):
    """ESRGAN's generator: ``blocks`` residual-in-residual dense blocks, nearest up-sampling + convs."""

    def __init__(self, channels: int = 3, scale: int = 4, width: int = 64, blocks: int = 23, growth: int = 32,
                 residual: bool = True) -> None:
        super().__init__()
        _check_scale(scale)
        self.scale, self.residual = scale, residual
        self.head = nn.Conv2d(channels, width, 3, 1, 1)
        self.body = nn.Sequential(*[_RRDB(width, growth) for _ in range(blocks)], nn.Conv2d(width, width, 3, 1, 1))
        self.steps = _steps(scale)
        self.up = nn.ModuleList(nn.Conv2d(width, width, 3, 1, 1) for _ in self.steps)
        self.tail = nn.Sequential(nn.Conv2d(width, width, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(width, channels, 3, 1, 1))
        if residual:
            nn.init.zeros_(self.tail[-1].weight)
            nn.init.zeros_(self.tail[-1].bias)
        self.radius = 1 + 15 * blocks + 1 + len(self.steps) + 2 + 2

    def forward(self, x: Tensor) -> Tensor:
        h = self.head(x)
        h = h + self.body(h)
        for s, conv in zip(self.steps, self.up):
            h = F.leaky_relu(conv(F.interpolate(h, scale_factor=s, mode="nearest")), 0.2)
        return self._out(x, self.tail(h))
