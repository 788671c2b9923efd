"""DCGAN generator and discriminator (Radford et al., 2016) for small square images."""

from __future__ import annotations

import torch
from torch import nn

from .layers import MinibatchStd, check_norm, maybe_spectral_norm, norm_layer

__all__ = ["DCGAN_SIZES", "DCGANGenerator", "DCGANDiscriminator"]

#: Supported image sizes -> (side of the smallest feature map, number of x2 up/down steps).
DCGAN_SIZES: dict[int, tuple[int, int]] = {8: (4, 1), 28: (7, 2), 32: (4, 3), 64: (4, 4)}


def _plan(image_size: int) -> tuple[int, int]:
    if image_size not in DCGAN_SIZES:
        sizes = ", ".join(str(s) for s in DCGAN_SIZES)
        raise ValueError(f"DCGAN does not support image_size={image_size!r}; supported sizes: {sizes}")
    return DCGAN_SIZES[image_size]


def _init(module: nn.Module) -> nn.Module:
    """DCGAN init: N(0, 0.02) weights for conv/linear, N(1, 0.02) for norm scales, zero biases."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.InstanceNorm2d)) and module.weight is not None:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
    return module


def _norm(kind: str, ch: int) -> nn.Module:
    return _init(norm_layer(kind, ch))


class DCGANGenerator(nn.Module):
    """DCGAN generator ``(B, latent_dim) -> (B, channels, image_size, image_size)`` in [-1, 1].

    A linear layer projects ``z`` to ``width * 2**(n-1)`` maps of side 7 (for
    28) or 4 (for 8/32/64), followed by ``n`` ``ConvTranspose2d(4, 2, 1)``
    steps; every hidden step is followed by norm + ReLU, the channel count
    halves each step down to ``width``, and the last step outputs
    ``channels`` maps followed by tanh. Supported sizes: 8, 28, 32, 64.
    """

    def __init__(
        self,
        latent_dim: int = 100,
        image_size: int = 28,
        channels: int = 1,
        width: int = 64,
        norm: str = "batch",
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        check_norm(norm)
        side, n_up = _plan(image_size)
        self.latent_dim = latent_dim
        self.image_size = image_size
        self.channels = channels
        self.side = side
        bias = norm == "none"  # a following norm layer makes the bias redundant
        ch = width * 2 ** (n_up - 1)
        self.first_channels = ch
        self.project = maybe_spectral_norm(_init(nn.Linear(latent_dim, ch * side * side, bias=bias)), spectral_norm)
        blocks: list[nn.Module] = [_norm(norm, ch), nn.ReLU(inplace=True)]
        for _ in range(n_up - 1):
            conv = _init(nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=bias))
            blocks += [maybe_spectral_norm(conv, spectral_norm), _norm(norm, ch // 2), nn.ReLU(inplace=True)]
            ch //= 2
        blocks += [maybe_spectral_norm(_init(nn.ConvTranspose2d(ch, channels, 4, 2, 1)), spectral_norm), nn.Tanh()]
        self.net = nn.Sequential(*blocks)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.project(z).view(z.shape[0], self.first_channels, self.side, self.side)
        return self.net(h)


class DCGANDiscriminator(nn.Module):
    """DCGAN discriminator ``(B, channels, image_size, image_size) -> (B,)`` logits.

    ``n`` ``Conv2d(4, 2, 1)`` + LeakyReLU(0.2) steps (no norm after the first,
    as in DCGAN) going from ``width`` channels, doubling each step, down to a
    7x7 (for 28) or 4x4 map; then an optional :class:`MinibatchStd` (one
    extra channel) and a final valid convolution covering the whole map.
    """

    def __init__(
        self,
        image_size: int = 28,
        channels: int = 1,
        width: int = 64,
        norm: str = "batch",
        spectral_norm: bool = False,
        minibatch_std: bool = False,
    ) -> None:
        super().__init__()
        check_norm(norm)
        side, n_down = _plan(image_size)
        self.image_size = image_size
        self.channels = channels
        layers: list[nn.Module] = []
        in_ch, ch = channels, width
        for i in range(n_down):
            use_norm = i > 0 and norm != "none"
            conv = _init(nn.Conv2d(in_ch, ch, 4, 2, 1, bias=not use_norm))
            layers.append(maybe_spectral_norm(conv, spectral_norm))
            if use_norm:
                layers.append(_norm(norm, ch))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            in_ch, ch = ch, ch * 2
        if minibatch_std:
            layers.append(MinibatchStd())
            in_ch += 1
        layers.append(maybe_spectral_norm(_init(nn.Conv2d(in_ch, 1, side, 1, 0)), spectral_norm))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).reshape(x.shape[0])
