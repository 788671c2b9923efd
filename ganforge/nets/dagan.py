"""DAGAN networks (Antoniou, Storkey & Edwards 2017, "Data Augmentation Generative Adversarial Networks").

The generator is image-conditional: an encoder takes a real image down to a small feature map,
noise is injected there (the bottleneck), and a decoder with skip connections from the encoder
makes a *variation* of the image. The discriminator judges pairs: the conditioning image and a
second image stacked along the channel axis, so a plain DCGAN discriminator with ``2 * channels``
input channels serves (:func:`build_dagan_networks`).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .dcgan import DCGANDiscriminator, _init, _norm, _plan
from .layers import check_norm, maybe_spectral_norm

__all__ = ["DAGANGenerator", "build_dagan_networks"]


class DAGANGenerator(nn.Module):
    """``(x (B, C, S, S) in [-1, 1], z (B, latent_dim)) -> (B, C, S, S)`` in [-1, 1], S in 8, 28, 32, 64.

    Encoder: a 3x3 convolution (``width`` maps at full size), then strided 4x4 convolutions that
    halve the size and double the maps down to the DCGAN bottleneck (7x7 for 28 px, 4x4 otherwise).
    Bottleneck: ``z`` is projected to ``noise_channels`` maps of the bottleneck size and concatenated.
    Decoder: transposed 4x4 convolutions back up; each output below full size is concatenated with
    the encoder's maps of that size (U-Net skips). There is deliberately no skip at full size, so
    the generator cannot pass the input through unchanged; the last 3x3 convolution and tanh give
    the image. Norm (default batch) and ReLU/LeakyReLU follow every hidden convolution.
    """

    def __init__(
        self,
        image_size: int = 28,
        channels: int = 1,
        latent_dim: int = 100,
        width: int = 64,
        noise_channels: int | None = None,
        norm: str = "batch",
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        check_norm(norm)
        side, n_down = _plan(image_size)
        self.image_size, self.channels, self.latent_dim, self.side = image_size, channels, latent_dim, side
        self.noise_channels = noise_channels if noise_channels is not None else width
        sn = spectral_norm
        bias = norm == "none"
        widths = [width * 2**i for i in range(n_down + 1)]  # encoder maps at sizes S, S/2, ...
        self.stem = maybe_spectral_norm(_init(nn.Conv2d(channels, width, 3, 1, 1)), sn)
        self.down = nn.ModuleList()
        for i in range(n_down):
            self.down.append(nn.Sequential(
                maybe_spectral_norm(_init(nn.Conv2d(widths[i], widths[i + 1], 4, 2, 1, bias=bias)), sn),
                _norm(norm, widths[i + 1]), nn.LeakyReLU(0.2, inplace=True)))
        self.noise = maybe_spectral_norm(_init(nn.Linear(latent_dim, self.noise_channels * side * side)), sn)
        self.up = nn.ModuleList()
        in_ch = widths[-1] + self.noise_channels
        for i in range(n_down, 0, -1):
            out_ch = widths[i - 1]
            self.up.append(nn.Sequential(
                maybe_spectral_norm(_init(nn.ConvTranspose2d(in_ch, out_ch, 4, 2, 1, bias=bias)), sn),
                _norm(norm, out_ch), nn.ReLU(inplace=True)))
            in_ch = out_ch * 2 if i > 1 else out_ch  # a skip joins at every size but the full one
        self.out = maybe_spectral_norm(_init(nn.Conv2d(in_ch, channels, 3, 1, 1)), sn)

    def forward(self, x: Tensor, z: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[1:] != (self.channels, self.image_size, self.image_size):
            raise ValueError(f"expected images (B, {self.channels}, {self.image_size}, {self.image_size}), "
                             f"got {tuple(x.shape)}")
        if z.shape != (x.shape[0], self.latent_dim):
            raise ValueError(f"expected noise ({x.shape[0]}, {self.latent_dim}), got {tuple(z.shape)}")
        h = F.leaky_relu(self.stem(x), 0.2)
        skips = []
        for block in self.down:
            h = block(h)
            skips.append(h)
        noise = self.noise(z).view(x.shape[0], self.noise_channels, self.side, self.side).to(h.dtype)
        h = torch.cat([h, noise], dim=1)
        skips = skips[:-1]  # the bottleneck itself is already in h
        for block in self.up:
            h = block(h)
            if skips:
                h = torch.cat([h, skips.pop()], dim=1)
        return torch.tanh(self.out(h))


def build_dagan_networks(
    *,
    data_shape: tuple[int, ...],
    latent_dim: int,
    width: int | None = None,
    g_norm: str | None = None,
    d_norm: str | None = None,
    spectral_norm: bool = False,
    g_spectral_norm: bool = False,
    minibatch_std: bool = False,
) -> tuple[DAGANGenerator, DCGANDiscriminator]:
    """A DAGAN generator and a pair discriminator (DCGAN with ``2 * C`` input channels) for ``(C, S, S)`` images.

    Defaults: width 64, batch norm in G; D's norm defaults to ``"none"`` (D judges pairs one by one,
    which keeps a gradient penalty meaningful). Raises ValueError for shapes DCGAN cannot handle.
    """
    shape = tuple(int(s) for s in data_shape)
    if len(shape) != 3 or shape[1] != shape[2]:
        raise ValueError(f"DAGAN needs square image samples (C, H, W) with H == W, got data_shape={shape}")
    channels, size, _ = shape
    width = 64 if width is None else width
    gen = DAGANGenerator(size, channels, latent_dim, width, norm=g_norm or "batch", spectral_norm=g_spectral_norm)
    disc = DCGANDiscriminator(size, 2 * channels, width, norm=d_norm or "none", spectral_norm=spectral_norm,
                              minibatch_std=minibatch_std)
    return gen, disc
