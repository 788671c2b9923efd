"""Fully connected generator and discriminator for vector data (2-D points, tables, ...)."""

from __future__ import annotations

import torch
from torch import nn

from .layers import MinibatchStd, check_norm, maybe_spectral_norm, norm_layer

__all__ = ["MLPGenerator", "MLPDiscriminator"]


def _check_sizes(depth: int, hidden: int) -> None:
    if depth < 1:
        raise ValueError(f"depth must be >= 1 (number of hidden layers), got {depth}")
    if hidden < 1:
        raise ValueError(f"hidden must be >= 1, got {hidden}")


class MLPGenerator(nn.Module):
    """MLP generator ``(B, latent_dim) -> (B, out_dim)``.

    ``depth`` hidden layers of ``Linear -> norm -> ReLU`` (``norm`` applied as
    :func:`norm_layer` with ``dim=1``), then a linear output layer with no
    squashing activation, so it can model raw (standardised) vectors.
    ``spectral_norm`` wraps every linear layer.
    """

    def __init__(
        self,
        latent_dim: int,
        out_dim: int,
        hidden: int = 256,
        depth: int = 3,
        norm: str = "none",
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        check_norm(norm)
        _check_sizes(depth, hidden)
        self.latent_dim = latent_dim
        self.out_dim = out_dim
        layers: list[nn.Module] = []
        d = latent_dim
        for _ in range(depth):
            lin = maybe_spectral_norm(nn.Linear(d, hidden), spectral_norm)
            layers += [lin, norm_layer(norm, hidden, dim=1), nn.ReLU(inplace=True)]
            d = hidden
        layers.append(maybe_spectral_norm(nn.Linear(d, out_dim), spectral_norm))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class MLPDiscriminator(nn.Module):
    """MLP discriminator ``(B, in_dim) -> (B,)`` logits.

    ``depth`` hidden layers of ``Linear -> norm -> LeakyReLU(0.2)``; as in
    DCGAN the first hidden layer has no norm. ``spectral_norm`` wraps every
    linear layer; ``minibatch_std`` inserts :class:`MinibatchStd` before the
    output layer (one extra feature).
    """

    def __init__(
        self,
        in_dim: int,
        hidden: int = 256,
        depth: int = 3,
        norm: str = "none",
        spectral_norm: bool = False,
        minibatch_std: bool = False,
    ) -> None:
        super().__init__()
        check_norm(norm)
        _check_sizes(depth, hidden)
        self.in_dim = in_dim
        layers: list[nn.Module] = []
        d = in_dim
        for i in range(depth):
            layers.append(maybe_spectral_norm(nn.Linear(d, hidden), spectral_norm))
            if i > 0:
                layers.append(norm_layer(norm, hidden, dim=1))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            d = hidden
        if minibatch_std:
            layers.append(MinibatchStd())
            d += 1
        layers.append(maybe_spectral_norm(nn.Linear(d, 1), spectral_norm))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)[:, 0]
