"""A multi-track piano-roll GAN in the spirit of MuseGAN (Dong, Hsiao, Yang & Yang 2018), hybrid model.

G makes a phrase bar by bar. Each bar of each track comes from four latent vectors: one shared by all
tracks and bars (the phrase's character), one shared by the tracks but varying per bar (from a temporal
network), one private to the track, and one private to the track and varying per bar (from the track's
temporal network). A bar generator with a shared trunk and private per-track heads (grouped
convolutions) turns them into a bar of the track. Its output is the probability of each cell; in
training it is passed on as probabilities (``binarize="threshold"``, MuseGAN) or as 0/1 with a
straight-through gradient (``"straight_through"``, BinaryMuseGAN); in eval mode it is thresholded at 0.5.

D sees the phrase with a private stage per track (grouped convolutions over pitch, then time) and a
shared stage over bars and all tracks together.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

__all__ = ["RollDiscriminator", "RollGenerator"]


class _Temporal(nn.Module):
    """A latent vector -> one latent vector per bar."""

    def __init__(self, dim: int, bars: int) -> None:
        super().__init__()
        self.bars, self.dim = bars, dim
        self.net = nn.Sequential(nn.Linear(dim, 2 * dim), nn.ReLU(), nn.Linear(2 * dim, bars * dim))

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(len(z), self.bars, self.dim)


class RollGenerator(nn.Module):
    """G: ``(B, latent_dim * (2 + 2 * tracks))`` -> flattened rolls ``(B, tracks * steps * pitches)`` in [0, 1].

    ``shape`` is ``(tracks, bars, steps_per_bar, pitches)``; ``steps_per_bar`` and ``pitches`` must be
    multiples of 4 and 16.
    """

    def __init__(self, latent_dim: int, shape: Sequence[int], width: int = 64, binarize: str = "threshold") -> None:
        super().__init__()
        tracks, bars, steps, pitches = shape
        if steps % 4 or pitches % 16:
            raise ValueError(f"steps per bar must be a multiple of 4 and pitches of 16; got {steps}, {pitches}")
        if binarize not in ("threshold", "straight_through"):
            raise ValueError(f"binarize must be threshold or straight_through; got {binarize!r}")
        self.shape, self.dz, self.binarize = tuple(shape), latent_dim, binarize
        self.latent_dim = latent_dim * (2 + 2 * tracks)
        self.shared_time = _Temporal(latent_dim, bars)
        self.private_time = nn.ModuleList(_Temporal(latent_dim, bars) for _ in range(tracks))
        c = 2 * width
        self.start = (steps // 4, pitches // 16)
        self.dense = nn.Sequential(nn.Linear(4 * latent_dim, c * self.start[0] * self.start[1]),
                                   nn.BatchNorm1d(c * self.start[0] * self.start[1]), nn.ReLU())
        self.trunk = nn.Sequential(  # time x4, pitch x4
            nn.ConvTranspose2d(c, c // 2, 4, 2, 1), nn.BatchNorm2d(c // 2), nn.ReLU(),
            nn.ConvTranspose2d(c // 2, c // 4, 4, 2, 1), nn.BatchNorm2d(c // 4), nn.ReLU())
        self.heads = nn.Sequential(  # per track: pitch x4
            nn.ConvTranspose2d(tracks * c // 4, tracks * c // 8, (1, 4), (1, 2), (0, 1), groups=tracks),
            nn.BatchNorm2d(tracks * c // 8), nn.ReLU(),
            nn.ConvTranspose2d(tracks * c // 8, tracks, (1, 4), (1, 2), (0, 1), groups=tracks))
        self.c = c

    def logits(self, z: Tensor) -> Tensor:
        """Cell logits ``(B, tracks, bars * steps, pitches)``."""
        tracks, bars, steps, pitches = self.shape
        b, dz = len(z), self.dz
        shared, shared_z, private, private_z = z.split([dz, dz, tracks * dz, tracks * dz], 1)
        private, private_z = private.view(b, tracks, dz), private_z.view(b, tracks, dz)
        per_bar = self.shared_time(shared_z)  # (B, bars, dz)
        private_bar = torch.stack([net(private_z[:, t]) for t, net in enumerate(self.private_time)], 1)
        codes = torch.cat([shared[:, None, None].expand(b, tracks, bars, dz),
                           per_bar[:, None].expand(b, tracks, bars, dz),
                           private[:, :, None].expand(b, tracks, bars, dz), private_bar], -1)
        h = self.dense(codes.reshape(-1, 4 * dz)).view(-1, self.c, *self.start)  # (B*T*bars, c, .., ..)
        h = self.trunk(h)
        h = h.view(b, tracks, bars, *h.shape[1:]).transpose(1, 2).reshape(b * bars, -1, *h.shape[2:])
        h = self.heads(h)  # (B*bars, tracks, steps, pitches)
        return h.view(b, bars, tracks, steps, pitches).transpose(1, 2).reshape(b, tracks, bars * steps, pitches)

    def forward(self, z: Tensor) -> Tensor:
        p = torch.sigmoid(self.logits(z)).flatten(1)
        if not self.training:
            return (p > 0.5).to(p.dtype)
        if self.binarize == "straight_through":
            return (p > 0.5).to(p.dtype) + p - p.detach()
        return p


class RollDiscriminator(nn.Module):
    """D: flattened rolls ``(B, tracks * steps * pitches)`` -> ``(B, 1)`` logits."""

    def __init__(self, shape: Sequence[int], width: int = 64) -> None:
        super().__init__()
        tracks, bars, steps, pitches = shape
        self.shape = tuple(shape)
        c = width
        self.private = nn.Sequential(  # per track: pitch /4, then time to quarters (steps/4)
            nn.Conv2d(tracks, tracks * c // 4, (1, 4), (1, 4), groups=tracks), nn.LeakyReLU(0.2),
            nn.Conv2d(tracks * c // 4, tracks * c // 4, (steps // 4, 1), (steps // 4, 1), groups=tracks),
            nn.LeakyReLU(0.2))
        self.shared = nn.Sequential(
            nn.Conv2d(tracks * c // 4, c, (4, 1), (4, 1)), nn.LeakyReLU(0.2),  # quarters -> bars (4/4)
            nn.Conv2d(c, 2 * c, (1, 4), (1, 4)), nn.LeakyReLU(0.2),  # pitch /4 again
            nn.Conv2d(2 * c, 4 * c, (1, 1)), nn.LeakyReLU(0.2))
        self.head = nn.Linear(4 * c * bars * (pitches // 16), 1)

    def forward(self, x: Tensor) -> Tensor:
        tracks, bars, steps, pitches = self.shape
        h = x.view(len(x), tracks, bars * steps, pitches)
        h = self.shared(self.private(h))
        return self.head(h.flatten(1))
