"""A multi-track piano-roll GAN in the spirit of MuseGAN (Dong, Hsiao, Yang & Yang 2018), hybrid model.

G makes a phrase bar by bar. Each bar of each track comes from four latent vectors: one shared by all
tracks and bars (the phrase's character), one shared by the tracks but varying per bar (from a temporal
network), one private to the track, and one private to the track and varying per bar (from the track's
temporal network). A bar generator with a shared trunk and private per-track heads (grouped
convolutions) turns them into a bar of the track. Its output is the probability of each cell; in
training it is passed on as probabilities (``binarize="threshold"``, MuseGAN) or as 0/1 with a
straight-through gradient (``"straight_through"``, BinaryMuseGAN); in eval mode it is thresholded at 0.5.

With ``monophonic=True`` each track is a voice, as in a chorale: at each step it sounds one of its
pitches or rests, a softmax over the pitches and a rest (whose logit a grouped convolution reads off the
head's last features) instead of one sigmoid per cell. D still sees rolls: the pitch probabilities
(``threshold``) or the one-hot of the most likely choice with the softmax's gradient
(``straight_through``); in eval mode each step is that choice. A voice cannot sound a chord, so G does not
spend its first hundreds of steps unlearning the half of all cells that random weights switch on.

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


def _up(c_in: int, c_out: int, upsample: str) -> list[nn.Module]:
    """Time and pitch x2: nearest-neighbour doubling then a 3x3 convolution (neighbouring steps start equal,
    so notes are held), or a transposed convolution (stride 2: alternate steps get different taps, the
    one-step fragments of a checkerboard; what runs saved before the choice existed were trained with)."""
    conv = (nn.Upsample(scale_factor=2), nn.Conv2d(c_in, c_out, 3, 1, 1)) if upsample == "nearest" else \
        (nn.ConvTranspose2d(c_in, c_out, 4, 2, 1),)
    return [*conv, nn.BatchNorm2d(c_out), nn.ReLU()]


class RollGenerator(nn.Module):
    """G: ``(B, latent_dim * (2 + 2 * tracks))`` -> flattened rolls ``(B, tracks * steps * pitches)`` in [0, 1].

    ``shape`` is ``(tracks, bars, steps_per_bar, pitches)``; ``steps_per_bar`` and ``pitches`` must be
    multiples of 4 and 16.
    """

    def __init__(self, latent_dim: int, shape: Sequence[int], width: int = 64, binarize: str = "threshold",
                 monophonic: bool = False, upsample: str = "nearest") -> None:
        super().__init__()
        tracks, bars, steps, pitches = shape
        if steps % 4 or pitches % 16:
            raise ValueError(f"steps per bar must be a multiple of 4 and pitches of 16; got {steps}, {pitches}")
        if binarize not in ("threshold", "straight_through"):
            raise ValueError(f"binarize must be threshold or straight_through; got {binarize!r}")
        if upsample not in ("nearest", "transposed"):
            raise ValueError(f"upsample must be nearest or transposed; got {upsample!r}")
        self.shape, self.dz, self.binarize, self.monophonic = tuple(shape), latent_dim, binarize, monophonic
        self.latent_dim = latent_dim * (2 + 2 * tracks)
        self.shared_time = _Temporal(latent_dim, bars)
        self.private_time = nn.ModuleList(_Temporal(latent_dim, bars) for _ in range(tracks))
        c = 2 * width
        self.start = (steps // 4, pitches // 16)
        self.dense = nn.Sequential(nn.Linear(4 * latent_dim, c * self.start[0] * self.start[1]),
                                   nn.BatchNorm1d(c * self.start[0] * self.start[1]), nn.ReLU())
        self.trunk = nn.Sequential(*_up(c, c // 2, upsample), *_up(c // 2, c // 4, upsample))  # time x4, pitch x4
        self.heads = nn.Sequential(  # per track: pitch x4
            nn.ConvTranspose2d(tracks * c // 4, tracks * c // 8, (1, 4), (1, 2), (0, 1), groups=tracks),
            nn.BatchNorm2d(tracks * c // 8), nn.ReLU(),
            nn.ConvTranspose2d(tracks * c // 8, tracks, (1, 4), (1, 2), (0, 1), groups=tracks))
        # a voice's rest logit per step, from the head's last features over all its pitches
        self.rest = nn.Conv2d(tracks * c // 8, tracks, (1, pitches // 2), groups=tracks) if monophonic else None
        self.c = c

    def logits(self, z: Tensor) -> Tensor:
        """Cell logits ``(B, tracks, bars * steps, pitches)``; with ``monophonic``, ``pitches + 1`` (the last: rest)."""
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
        h = self.heads[:-1](h)
        out = self.heads[-1](h)  # (B*bars, tracks, steps, pitches)
        if self.monophonic:
            out = torch.cat([out, self.rest(h)], -1)
        k = out.shape[-1]
        return out.view(b, bars, tracks, steps, k).transpose(1, 2).reshape(b, tracks, bars * steps, k)

    def forward(self, z: Tensor) -> Tensor:
        logits = self.logits(z)
        if self.monophonic:
            p = torch.softmax(logits, -1)
            hard = F.one_hot(p.argmax(-1), p.shape[-1]).to(p.dtype)
            p, hard = p[..., :-1].flatten(1), hard[..., :-1].flatten(1)  # the rest is no cell of the roll
        else:
            p = torch.sigmoid(logits).flatten(1)
            hard = (p > 0.5).to(p.dtype)
        if not self.training:
            return hard
        if self.binarize == "straight_through":
            return hard + p - p.detach()
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
