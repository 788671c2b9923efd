"""The U-Net generator of pix2pix (Isola et al. 2017): an encoder-decoder with skip connections.

``depth`` stride-2 convolutions take a ``2**depth``-divisible image down to ``H / 2**depth``; as
many transposed convolutions bring it back, each concatenated with the encoder's map of the same
size. Widths double from ``width`` up to ``8 * width``; the three innermost decoder levels use
dropout (pix2pix's noise). The output is ``tanh``: images (or a, b channels) in [-1, 1].
"""

from __future__ import annotations

from torch import Tensor, nn
import torch

from .layers import norm_layer

__all__ = ["UNet"]


class UNet(nn.Module):
    """U-Net ``in_channels`` -> ``out_channels`` of ``depth`` levels (inputs of sides divisible by ``2**depth``)."""

    def __init__(self, in_channels: int, out_channels: int, width: int = 64, depth: int = 7,
                 norm: str = "batch", dropout: float = 0.5) -> None:
        super().__init__()
        if depth < 1:
            raise ValueError(f"the U-Net's depth must be >= 1; got {depth}")
        self.depth, self.multiple = depth, 2 ** depth
        widths = [width * min(2 ** i, 8) for i in range(depth)]
        self.down = nn.ModuleList()
        prev = in_channels
        for i, w in enumerate(widths):
            inner = i == depth - 1
            layers: list[nn.Module] = [] if i == 0 else [nn.LeakyReLU(0.2)]
            layers.append(nn.Conv2d(prev, w, 4, 2, 1, bias=i == 0 or inner or norm != "batch"))
            if 0 < i < depth - 1:
                layers.append(norm_layer(norm, w))
            self.down.append(nn.Sequential(*layers))
            prev = w
        self.up = nn.ModuleList()
        for i in reversed(range(depth)):
            outer = i == 0
            in_w = widths[i] if i == depth - 1 else 2 * widths[i]
            out_w = out_channels if outer else widths[i - 1]
            layers = [nn.ReLU(), nn.ConvTranspose2d(in_w, out_w, 4, 2, 1, bias=outer or norm != "batch")]
            if outer:
                layers.append(nn.Tanh())
            else:
                layers.append(norm_layer(norm, out_w))
                if dropout and i >= depth - 3 and depth > 3:
                    layers.append(nn.Dropout(dropout))
            self.up.append(nn.Sequential(*layers))
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        h, w = x.shape[-2:]
        if h % self.multiple or w % self.multiple:
            raise ValueError(f"a U-Net of depth {self.depth} takes sides that are multiples of {self.multiple}; "
                             f"got {w}x{h}")
        skips = []
        for layer in self.down:
            x = layer(x)
            skips.append(x)
        skips.pop()
        for i, layer in enumerate(self.up):
            x = layer(x if i == 0 else torch.cat([x, skips.pop()], 1))
        return x
