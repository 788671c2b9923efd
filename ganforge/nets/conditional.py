"""Label-conditioned networks: conditional batch norm, a conditional DCGAN generator and a
DCGAN discriminator with three ways of using the label.

Generator (:class:`ConditionalDCGANGenerator`): the label's embedding is concatenated to the noise
before the first layer (Mirza & Osindero 2014), and every batch-norm layer is a
:class:`ConditionalBatchNorm2d` whose scale and shift are looked up per class (de Vries et al. 2017,
as in Miyato & Koyama 2018 and BigGAN).

Discriminator (:class:`ConditionalDCGANDiscriminator`), by ``conditioning``:

``"concat"`` (cGAN, Mirza & Osindero 2014)
    the one-hot label is appended to the image as ``num_classes`` constant channels;
    ``forward(x, y)`` gives logits ``(B,)``.
``"auxiliary"`` (AC-GAN, Odena et al. 2017)
    the label is not an input; a second linear head classifies the image;
    ``forward(x, y=None)`` gives ``(logits (B,), class_logits (B, num_classes))``.
``"projection"`` (Miyato & Koyama 2018)
    ``D(x, y) = psi(phi(x)) + <embed(y), phi(x)>`` with ``phi`` the convolutional trunk's
    flattened features, ``psi`` a linear layer and ``embed`` a learned class embedding;
    ``forward(x, y)`` gives logits ``(B,)``.

The trunk is the DCGAN discriminator's (:mod:`ganforge.nets.dcgan`): strided 4x4 convolutions with
LeakyReLU(0.2) down to a 7x7 (28 px) or 4x4 map; its final whole-map convolution is written here
as the linear layer ``psi`` on the flattened map, which is the same function.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .dcgan import _init, _norm, _plan
from .layers import MinibatchStd, check_norm, maybe_spectral_norm

__all__ = ["CONDITIONINGS", "ConditionalBatchNorm2d", "ConditionalDCGANDiscriminator", "ConditionalDCGANGenerator",
           "build_conditional_networks", "check_labels"]

#: How a conditional discriminator uses the label.
CONDITIONINGS = ("concat", "auxiliary", "projection")


class ConditionalBatchNorm2d(nn.Module):
    """Batch norm without its own affine, followed by a per-class scale and shift.

    ``out = gamma[y] * BN(x) + beta[y]``; gamma starts at N(1, 0.02) and beta at 0, so at
    initialisation it is a DCGAN-initialised batch norm.
    """

    def __init__(self, num_features: int, num_classes: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.bn = nn.BatchNorm2d(num_features, eps=eps, momentum=momentum, affine=False)
        self.gamma = nn.Embedding(num_classes, num_features)
        self.beta = nn.Embedding(num_classes, num_features)
        nn.init.normal_(self.gamma.weight, 1.0, 0.02)
        nn.init.zeros_(self.beta.weight)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        h = self.bn(x)
        return self.gamma(y)[:, :, None, None].to(h.dtype) * h + self.beta(y)[:, :, None, None].to(h.dtype)


def check_labels(y: Tensor, n: int, num_classes: int) -> Tensor:
    """``y`` as int64 ``(n,)`` with values in ``0..num_classes-1``, else ValueError."""
    if y.shape != (n,):
        raise ValueError(f"expected {n} labels of shape ({n},), got shape {tuple(y.shape)}")
    if y.is_floating_point():
        raise ValueError(f"labels must be integers, got {y.dtype}")
    if n and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        raise ValueError(f"labels must be in 0..{num_classes - 1}; got values {int(y.min())}..{int(y.max())}")
    return y.long()


class ConditionalDCGANGenerator(nn.Module):
    """``(z (B, latent_dim), y (B,)) -> (B, channels, image_size, image_size)`` in [-1, 1].

    The DCGAN generator (:class:`ganforge.nets.DCGANGenerator`) with the label's embedding
    (``embed_dim``) concatenated to ``z`` and, for ``norm="batch"``, conditional batch norm after the
    projection and every hidden transposed convolution. ``norm="instance"`` or ``"none"`` keep
    those plain norms (the label then enters through the embedding only).
    """

    def __init__(
        self,
        latent_dim: int = 100,
        num_classes: int = 10,
        image_size: int = 28,
        channels: int = 1,
        width: int = 64,
        embed_dim: int | None = None,
        norm: str = "batch",
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        check_norm(norm)
        if num_classes < 2:
            raise ValueError(f"a conditional generator needs num_classes >= 2, got {num_classes}")
        side, n_up = _plan(image_size)
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.image_size, self.channels = image_size, channels
        self.side = side
        self.embed_dim = embed_dim if embed_dim is not None else min(latent_dim, 32)
        self.embed = nn.Embedding(num_classes, self.embed_dim)
        nn.init.normal_(self.embed.weight, 0.0, 1.0)  # on the scale of the noise it joins
        bias = norm == "none"
        ch = width * 2 ** (n_up - 1)
        self.first_channels = ch
        linear = _init(nn.Linear(latent_dim + self.embed_dim, ch * side * side, bias=bias))
        self.project = maybe_spectral_norm(linear, spectral_norm)
        self.norms = nn.ModuleList([self._make_norm(norm, ch)])
        convs = []
        for _ in range(n_up - 1):
            convs.append(maybe_spectral_norm(_init(nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=bias)), spectral_norm))
            self.norms.append(self._make_norm(norm, ch // 2))
            ch //= 2
        self.convs = nn.ModuleList(convs)
        self.out = maybe_spectral_norm(_init(nn.ConvTranspose2d(ch, channels, 4, 2, 1)), spectral_norm)

    def _make_norm(self, kind: str, ch: int) -> nn.Module:
        return ConditionalBatchNorm2d(ch, self.num_classes) if kind == "batch" else _norm(kind, ch)

    @staticmethod
    def _normalise(norm: nn.Module, h: Tensor, y: Tensor) -> Tensor:
        return norm(h, y) if isinstance(norm, ConditionalBatchNorm2d) else norm(h)

    def forward(self, z: Tensor, y: Tensor) -> Tensor:
        y = check_labels(y, z.shape[0], self.num_classes)
        h = self.project(torch.cat([z, self.embed(y).to(z.dtype)], dim=1))
        h = h.view(z.shape[0], self.first_channels, self.side, self.side)
        h = F.relu(self._normalise(self.norms[0], h, y))
        for conv, norm in zip(self.convs, self.norms[1:]):
            h = F.relu(self._normalise(norm, conv(h), y))
        return torch.tanh(self.out(h))


class ConditionalDCGANDiscriminator(nn.Module):
    """A DCGAN discriminator that also sees the label (see the module docstring for ``conditioning``)."""

    def __init__(
        self,
        image_size: int = 28,
        channels: int = 1,
        num_classes: int = 10,
        conditioning: str = "projection",
        width: int = 64,
        norm: str = "batch",
        spectral_norm: bool = False,
        minibatch_std: bool = False,
    ) -> None:
        super().__init__()
        check_norm(norm)
        if conditioning not in CONDITIONINGS:
            raise ValueError(f"unknown conditioning {conditioning!r}; choose one of {', '.join(CONDITIONINGS)}")
        if num_classes < 2:
            raise ValueError(f"a conditional discriminator needs num_classes >= 2, got {num_classes}")
        side, n_down = _plan(image_size)
        self.image_size, self.channels = image_size, channels
        self.num_classes, self.conditioning = num_classes, conditioning
        layers: list[nn.Module] = []
        in_ch = channels + (num_classes if conditioning == "concat" else 0)
        ch = width
        for i in range(n_down):
            use_norm = i > 0 and norm != "none"
            layers.append(maybe_spectral_norm(_init(nn.Conv2d(in_ch, ch, 4, 2, 1, bias=not use_norm)), spectral_norm))
            if use_norm:
                layers.append(_norm(norm, ch))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            in_ch, ch = ch, ch * 2
        if minibatch_std:
            layers.append(MinibatchStd())
            in_ch += 1
        self.trunk = nn.Sequential(*layers)
        self.feature_dim = in_ch * side * side
        self.psi = maybe_spectral_norm(_init(nn.Linear(self.feature_dim, 1)), spectral_norm)
        if conditioning == "projection":
            embed = nn.Embedding(num_classes, self.feature_dim)
            nn.init.normal_(embed.weight, 0.0, 0.02)
            self.embed = maybe_spectral_norm(embed, spectral_norm)
        elif conditioning == "auxiliary":
            self.classifier = maybe_spectral_norm(_init(nn.Linear(self.feature_dim, num_classes)), spectral_norm)

    def features(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        """``phi``: the trunk's flattened output ``(B, feature_dim)`` (for ``concat`` the label is an input)."""
        if self.conditioning == "concat":
            y = check_labels(y, x.shape[0], self.num_classes)
            onehot = F.one_hot(y, self.num_classes).to(x.dtype)[:, :, None, None]
            x = torch.cat([x, onehot.expand(-1, -1, *x.shape[2:])], dim=1)
        return self.trunk(x).flatten(1)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor | tuple[Tensor, Tensor]:
        h = self.features(x, y)
        out = self.psi(h).reshape(x.shape[0])
        if self.conditioning == "projection":
            y = check_labels(y, x.shape[0], self.num_classes)
            return out + (self.embed(y).to(h.dtype) * h).sum(dim=1)
        if self.conditioning == "auxiliary":
            return out, self.classifier(h)
        return out


def build_conditional_networks(
    conditioning: str,
    *,
    data_shape: tuple[int, ...],
    num_classes: int,
    latent_dim: int,
    width: int | None = None,
    g_norm: str | None = None,
    d_norm: str | None = None,
    spectral_norm: bool = False,
    g_spectral_norm: bool = False,
    minibatch_std: bool = False,
) -> tuple[ConditionalDCGANGenerator, ConditionalDCGANDiscriminator]:
    """A conditional generator and a discriminator with ``conditioning`` for ``(C, S, S)`` images.

    Defaults as for DCGAN (width 64, batch norm, so conditional batch norm in G). Raises ValueError
    for shapes DCGAN cannot handle, an unknown conditioning or fewer than 2 classes.
    """
    shape = tuple(int(s) for s in data_shape)
    if len(shape) != 3 or shape[1] != shape[2]:
        raise ValueError(f"conditional GANs need square image samples (C, H, W) with H == W, got data_shape={shape}")
    channels, size, _ = shape
    width = 64 if width is None else width
    gen = ConditionalDCGANGenerator(latent_dim, num_classes, size, channels, width, norm=g_norm or "batch",
                                    spectral_norm=g_spectral_norm)
    disc = ConditionalDCGANDiscriminator(size, channels, num_classes, conditioning, width, norm=d_norm or "batch",
                                         spectral_norm=spectral_norm, minibatch_std=minibatch_std)
    return gen, disc
