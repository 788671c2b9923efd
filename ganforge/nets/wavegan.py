"""WaveGAN and SpecGAN networks (Donahue, McAuley & Puckette 2019): one topology, 1-D or 2-D.

* ``dims=1`` (WaveGAN): G maps z through a dense layer to 16 steps, then transposed convolutions of
  kernel 25 and stride 4 to the waveform (16 -> 64 -> ... -> 16,384 samples); D mirrors it with strided
  convolutions and phase shuffle (each layer's output shifted by a random -n..n samples, reflected at
  the edges) so it cannot judge by the periodic artefacts of transposed convolutions.
* ``dims=2`` (SpecGAN): the same on 2-D maps, kernel 5x5 and stride 2, from 4x4 to a 128x128
  log-magnitude spectrogram.

Channels go ``16d, 8d, ..`` down to ``d`` then 1 (``d`` = ``width``; 64 in the paper). With
``num_classes``, G takes a learned class embedding concatenated to z and D adds a projection term
(Miyato & Koyama 2018): the networks are called ``G(z, y)`` and ``D(x, y)``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

__all__ = ["PhaseShuffle", "WaveDiscriminator", "WaveGenerator", "phase_shuffle"]

_SHAPES = {1: dict(kernel=25, stride=4, start=16), 2: dict(kernel=5, stride=2, start=4)}


def phase_shuffle(x: Tensor, shift: Tensor) -> Tensor:
    """Shift each sample of ``x`` ``(B, C, L)`` by ``shift[b]`` steps along L (positive: later), filling with
    the reflection of the signal; the length is kept and a shift of 0 changes nothing."""
    n = int(shift.abs().max()) if shift.numel() else 0
    if n == 0:
        return x
    padded = F.pad(x, (n, n), mode="reflect")
    index = torch.arange(x.shape[-1], device=x.device)[None, :] + (n - shift.to(x.device))[:, None]
    return padded.gather(-1, index[:, None, :].expand(-1, x.shape[1], -1))


class PhaseShuffle(nn.Module):
    """:func:`phase_shuffle` by a uniform random shift in ``-n..n`` per sample, in training only."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.n == 0:
            return x
        shift = torch.randint(-self.n, self.n + 1, (x.shape[0],), device=x.device)
        return phase_shuffle(x, shift)

    def extra_repr(self) -> str:
        return f"n={self.n}"


def _layers(size: int, dims: int) -> int:
    s = _SHAPES[dims]
    count = math.log(size / s["start"], s["stride"])
    if size < s["start"] * s["stride"] or abs(count - round(count)) > 1e-9:
        raise ValueError(f"{'length' if dims == 1 else 'size'} {size} must be {s['start']} times a power of "
                         f"{s['stride']} (at least {s['start'] * s['stride']})")
    return round(count)


class WaveGenerator(nn.Module):
    """G: ``(B, latent_dim)`` (and labels ``(B,)``) -> ``(B, size)`` waveforms (dims 1) or ``(B, size, size)``
    spectrograms (dims 2), in [-1, 1]."""

    def __init__(self, latent_dim: int, size: int = 16384, width: int = 64, dims: int = 1,
                 num_classes: int | None = None) -> None:
        super().__init__()
        s = _SHAPES[dims]
        self.dims, self.size, self.start = dims, size, s["start"]
        n = _layers(size, dims)
        channels = [width * 2 ** (n - 1 - i) for i in range(n)] + [1]
        self.embed = nn.Embedding(num_classes, latent_dim) if num_classes else None
        self.dense = nn.Linear(latent_dim * (2 if num_classes else 1), channels[0] * s["start"] ** dims)
        conv = nn.ConvTranspose1d if dims == 1 else nn.ConvTranspose2d
        pad = (s["kernel"] - s["stride"] + 1) // 2
        self.ups = nn.ModuleList(conv(channels[i], channels[i + 1], s["kernel"], s["stride"], padding=pad,
                                      output_padding=s["stride"] + 2 * pad - s["kernel"]) for i in range(n))
        self.channels = channels

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        if self.embed is not None:
            if y is None:
                raise ValueError("this generator is class-conditional: call it as G(z, labels)")
            z = torch.cat([z, self.embed(y)], 1)
        h = F.relu(self.dense(z)).view(len(z), self.channels[0], *[self.start] * self.dims)
        for i, up in enumerate(self.ups):
            h = up(h)
            h = torch.tanh(h) if i == len(self.ups) - 1 else F.relu(h)
        return h.flatten(1) if self.dims == 1 else h[:, 0]


class WaveDiscriminator(nn.Module):
    """D: ``(B, size)`` waveforms or ``(B, size, size)`` spectrograms (and labels) -> ``(B, 1)`` logits; phase
    shuffle by up to ``shuffle`` steps after every layer but the last (1-D)."""

    def __init__(self, size: int = 16384, width: int = 64, dims: int = 1, num_classes: int | None = None,
                 shuffle: int = 2) -> None:
        super().__init__()
        s = _SHAPES[dims]
        self.dims = dims
        n = _layers(size, dims)
        channels = [1] + [width * 2 ** i for i in range(n)]
        conv = nn.Conv1d if dims == 1 else nn.Conv2d
        self.convs = nn.ModuleList(conv(channels[i], channels[i + 1], s["kernel"], s["stride"],
                                        padding=(s["kernel"] - 1) // 2) for i in range(n))
        self.shuffles = nn.ModuleList(PhaseShuffle(shuffle if dims == 1 and i < n - 1 else 0) for i in range(n))
        features = channels[-1] * s["start"] ** dims
        self.head = nn.Linear(features, 1)
        self.embed = nn.Embedding(num_classes, features) if num_classes else None
        self.conditioning = "projection" if num_classes else None

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        h = x[:, None]
        for conv, shuffle in zip(self.convs, self.shuffles):
            h = shuffle(F.leaky_relu(conv(h), 0.2))
        h = h.flatten(1)
        out = self.head(h)
        if self.embed is not None:
            if y is None:
                raise ValueError("this discriminator is class-conditional: call it as D(x, labels)")
            out = out + (self.embed(y) * h).sum(1, keepdim=True)
        return out
