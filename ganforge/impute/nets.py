"""GAIN's networks: MLPs for tables (G ends in a sigmoid per number and a softmax per category), and
fully convolutional ones for images (G an encoder-decoder with a skip, D a per-pixel classifier)."""

from __future__ import annotations

import torch
from torch import nn


def _mlp(n_in: int, hidden: int, n_out: int, depth: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = n_in
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    layers.append(nn.Linear(width, n_out))
    for layer in layers:
        if isinstance(layer, nn.Linear):  # Xavier, as GAIN's reference code
            nn.init.xavier_normal_(layer.weight)
            nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers)


class TableGenerator(nn.Module):
    """``G(x_tilde, m) -> (values, logits)``: values in [0, 1] (sigmoid for numbers, softmax per
    category block) and the raw logits of the category blocks (for the cross-entropy). The logits are
    the MLP's plus a linear map of the inputs (zero at the start): many tables are close to linear in
    their columns, which the linear path learns directly (breast_cancer's RMSE fell by about 4% in four
    seed-0/1 probes); ``linear=False`` is GAIN's plain MLP."""

    def __init__(self, width: int, n_columns: int, hidden: int, depth: int,
                 blocks: list[tuple[int, int]], linear: bool = True):
        super().__init__()
        self.net = _mlp(width + n_columns, hidden, width, depth)
        self.linear = nn.Linear(width + n_columns, width) if linear else None
        if self.linear is not None:
            nn.init.zeros_(self.linear.weight)
            nn.init.zeros_(self.linear.bias)
        self.blocks = blocks

    def forward(self, x: torch.Tensor, m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        inputs = torch.cat([x, m], dim=1)
        raw = self.net(inputs) if self.linear is None else self.net(inputs) + self.linear(inputs)
        if not self.blocks:
            return torch.sigmoid(raw), raw
        pieces, pos = [], 0
        for a, b in self.blocks:  # numbers between the blocks get a sigmoid, each block a softmax
            pieces += [torch.sigmoid(raw[:, pos:a]), torch.softmax(raw[:, a:b], dim=1)]
            pos = b
        pieces.append(torch.sigmoid(raw[:, pos:]))
        return torch.cat(pieces, dim=1), raw


class TableDiscriminator(nn.Module):
    """``D(x_hat, h) -> logits``, one per column: was this column observed?"""

    def __init__(self, width: int, n_columns: int, hidden: int, depth: int):
        super().__init__()
        self.net = _mlp(width + n_columns, hidden, n_columns, depth)

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([x, h], dim=1))


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.LeakyReLU(0.2))


class ImageGenerator(nn.Module):
    """``G(x_tilde, m) -> image``: two stride-2 downsamplings, two upsamplings, a skip from the input
    resolution (sizes divisible by 4). The output is linear (clipped to [0, 1] by the imputer): a sigmoid
    saturates at 0 on MNIST's black background within a few steps and G stops learning."""

    def __init__(self, channels: int, width: int = 64):
        super().__init__()
        self.inp = _conv(2 * channels, width)
        self.down = nn.Sequential(_conv(width, width, 2), _conv(width, 2 * width, 2), _conv(2 * width, 2 * width))
        self.up = nn.Sequential(nn.Upsample(scale_factor=2), _conv(2 * width, width),
                                nn.Upsample(scale_factor=2), _conv(width, width))
        self.out = nn.Sequential(_conv(2 * width, width), nn.Conv2d(width, channels, 3, 1, 1))

    def forward(self, x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        h = self.inp(torch.cat([x, m], dim=1))
        return self.out(torch.cat([h, self.up(self.down(h))], dim=1))


class ImageDiscriminator(nn.Module):
    """``D(x_hat, h) -> logits`` per pixel and channel: was it observed? (dilated convolutions: a wide view)."""

    def __init__(self, channels: int, width: int = 64):
        super().__init__()
        self.net = nn.Sequential(
            _conv(2 * channels, width),
            nn.Sequential(nn.Conv2d(width, width, 3, 1, 2, dilation=2), nn.LeakyReLU(0.2)),
            nn.Sequential(nn.Conv2d(width, width, 3, 1, 4, dilation=4), nn.LeakyReLU(0.2)),
            nn.Conv2d(width, channels, 3, 1, 1))

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([x, h], dim=1))
