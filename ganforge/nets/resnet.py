"""SNGAN-style ResNet generator and discriminator for 32x32 images (Miyato et al., 2018)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .layers import MinibatchStd, ResBlockDown, ResBlockUp, _conv, check_norm, maybe_spectral_norm, norm_layer

__all__ = ["RESNET_SIZES", "ResNetGenerator", "ResNetDiscriminator"]

#: Image sizes the ResNet networks support.
RESNET_SIZES: tuple[int, ...] = (32,)


def _check_size(image_size: int) -> None:
    if image_size not in RESNET_SIZES:
        sizes = ", ".join(str(s) for s in RESNET_SIZES)
        raise ValueError(f"ResNet does not support image_size={image_size!r}; supported sizes: {sizes}")


class ResNetGenerator(nn.Module):
    """SN-ResNet generator ``(B, latent_dim) -> (B, channels, 32, 32)`` in [-1, 1].

    Linear to a 4x4x``width`` map, three :class:`ResBlockUp` (4 -> 8 -> 16 -> 32),
    norm, ReLU, conv3x3 to ``channels``, tanh.
    """

    def __init__(
        self,
        latent_dim: int = 128,
        image_size: int = 32,
        channels: int = 3,
        width: int = 256,
        norm: str = "batch",
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        check_norm(norm)
        _check_size(image_size)
        self.latent_dim = latent_dim
        self.image_size = image_size
        self.channels = channels
        self.width = width
        linear = nn.Linear(latent_dim, 4 * 4 * width)
        nn.init.xavier_uniform_(linear.weight)
        nn.init.zeros_(linear.bias)
        self.project = maybe_spectral_norm(linear, spectral_norm)
        self.blocks = nn.Sequential(*(ResBlockUp(width, width, norm, spectral_norm) for _ in range(3)))
        self.norm = norm_layer(norm, width)
        self.out = _conv(width, channels, 3, spectral_norm)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.project(z).view(z.shape[0], self.width, 4, 4)
        h = self.blocks(h)
        return torch.tanh(self.out(F.relu(self.norm(h))))


class ResNetDiscriminator(nn.Module):
    """SN-ResNet discriminator ``(B, channels, 32, 32) -> (B,)`` logits.

    As in the SNGAN CIFAR-10 model: an optimized first :class:`ResBlockDown`
    (32 -> 16), one pooling block (16 -> 8) and two blocks without pooling
    (8x8), then ReLU, global sum pooling and a linear layer. Spectral norm
    (on by default) wraps every conv and the linear layer. ``minibatch_std``
    appends the :class:`MinibatchStd` channel before the last block.
    """

    def __init__(
        self,
        image_size: int = 32,
        channels: int = 3,
        width: int = 128,
        norm: str = "none",
        spectral_norm: bool = True,
        minibatch_std: bool = False,
    ) -> None:
        super().__init__()
        check_norm(norm)
        _check_size(image_size)
        self.image_size = image_size
        self.channels = channels
        sn = spectral_norm
        blocks: list[nn.Module] = [
            ResBlockDown(channels, width, norm, sn, downsample=True, optimized=True),
            ResBlockDown(width, width, norm, sn, downsample=True),
            ResBlockDown(width, width, norm, sn, downsample=False),
        ]
        if minibatch_std:
            blocks.append(MinibatchStd())
        blocks.append(ResBlockDown(width + int(minibatch_std), width, norm, sn, downsample=False))
        self.blocks = nn.Sequential(*blocks)
        linear = nn.Linear(width, 1)
        nn.init.xavier_uniform_(linear.weight)
        nn.init.zeros_(linear.bias)
        self.out = maybe_spectral_norm(linear, sn)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.blocks(x)).sum(dim=(2, 3))
        return self.out(h)[:, 0]
