"""GAIN on images: a convolutional G fills the missing pixels of an image given the rest and the mask; a
fully convolutional D, with a per-pixel hint, tells which pixels were observed (as the GAIN paper does on
MNIST). Masks follow NumPy's masked arrays: **True marks a missing pixel**.

Images are ``(N, H, W)`` or ``(N, C, H, W)``, uint8 (0..255) or floats in [0, 1]; the result has the
input's shape and dtype, its observed pixels unchanged. Sizes that are not multiples of 4 are padded
(edge values, counted as observed) for the networks and cropped back.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
import torch.nn.functional as F

from ganforge.errors import ConfigError, DataError

from . import gain
from .hint import HINTS
from .model import ImputeWarning
from .nets import ImageDiscriminator, ImageGenerator


def random_mask(shape: tuple[int, ...], rate: float, seed: int = 0) -> np.ndarray:
    """True (missing) for each pixel independently with probability ``rate`` (MCAR)."""
    return np.random.default_rng(seed).random(shape) < rate


def block_mask(shape: tuple[int, ...], size: int, seed: int = 0) -> np.ndarray:
    """One ``size`` x ``size`` missing square per image (all channels), at a random place."""
    shape = tuple(shape)
    n, h, w = shape[0], shape[-2], shape[-1]
    if not 0 < size <= min(h, w):
        raise ConfigError(f"block size must be in 1..{min(h, w)}, got {size}")
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, dtype=bool)
    for i, (y, x) in enumerate(zip(rng.integers(0, h - size + 1, n), rng.integers(0, w - size + 1, n))):
        mask[i, ..., y:y + size, x:x + size] = True
    return mask


def _check(images: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    images, mask = np.asarray(images), np.asarray(mask)
    if images.ndim not in (3, 4):
        raise DataError(f"images must be (N, H, W) or (N, C, H, W), got shape {images.shape}")
    if images.dtype.kind not in "uf":
        raise DataError(f"images must be uint8 or floats in [0, 1], got dtype {images.dtype}")
    if mask.shape != images.shape:
        raise DataError(f"the mask has shape {mask.shape} but the images have shape {images.shape}: one mask "
                        f"entry per pixel (True = missing)")
    if mask.dtype != bool:
        if not np.isin(np.unique(mask), (0, 1)).all():
            raise DataError("the mask must be boolean or 0/1 (1 = missing)")
        mask = mask.astype(bool)
    return images, mask


class ImageImputer:
    """GAIN for images: ``fit(images, mask)``, ``transform(images, mask, n_imputations=None)``.

    ``width`` channels of the networks; ``drop_rate`` the share of observed pixels also hidden in training
    (default 0.5: with the published objective alone, 0, G only learns to copy the observed pixels and
    fills MNIST's holes with background); other parameters as :class:`~ganforge.impute.GANImputer`'s.
    """

    def __init__(self, *, hint: str = "paper", hint_rate: float = 0.9, alpha: float = 10.0, n_iter: int = 2000,
                 time_limit: float | None = 180.0, batch_size: int = 32, width: int = 16, lr: float = 1e-3,
                 noise: float = 0.01, drop_rate: float = 0.5, device: str = "cpu", random_state: int = 0,
                 verbose: bool = False):
        if hint not in HINTS:
            raise ConfigError(f"hint must be one of {', '.join(HINTS)}, got {hint!r}")
        self.hint, self.hint_rate, self.alpha, self.n_iter = hint, hint_rate, alpha, n_iter
        self.time_limit, self.batch_size, self.width, self.lr = time_limit, batch_size, width, lr
        self.noise, self.device, self.random_state, self.verbose = noise, device, random_state, verbose
        self.drop_rate = drop_rate

    def _tensors(self, images: np.ndarray, mask: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        scale = 255.0 if images.dtype == np.uint8 else 1.0
        x = torch.from_numpy(images.astype(np.float32) / scale)
        m = torch.from_numpy(~mask).float()
        if x.ndim == 3:
            x, m = x[:, None], m[:, None]
        if images.dtype.kind == "f" and (np.nanmin(images[~mask], initial=0) < 0 or
                                         np.nanmax(images[~mask], initial=1) > 1):
            raise DataError("float images must lie in [0, 1]")
        x = torch.nan_to_num(x) * m
        h, w = x.shape[-2:]
        pad = (0, -w % 4, 0, -h % 4)
        if any(pad):
            x = F.pad(x, pad, mode="replicate")
            m = F.pad(m, pad, value=1.0)
        return x, m

    def fit(self, images, mask) -> "ImageImputer":
        images, mask = _check(images, mask)
        if mask.all():
            raise DataError("every pixel is missing: nothing to learn from")
        x, m = self._tensors(images, mask)
        self.channels_, self.shape_ = x.shape[1], images.shape[1:]
        torch.manual_seed(self.random_state)
        dev = torch.device(self.device)
        self.generator_ = ImageGenerator(self.channels_, self.width).to(dev)
        self.discriminator_ = ImageDiscriminator(self.channels_, self.width).to(dev)
        gen = torch.Generator(device=dev)
        gen.manual_seed(self.random_state)
        x, m = x.to(dev), m.to(dev)
        batch = min(self.batch_size, len(x))

        def batches():
            idx = torch.randint(len(x), (batch,), generator=gen, device=dev)
            return x[idx], m[idx]

        def recon(g, raw, xb, mb):
            return (mb * (g - xb) ** 2).sum() / mb.sum().clamp(min=1.0)

        progress = (lambda it, logs: print(f"iteration {it}: D {logs['d']:.4f} reconstruction {logs['rec']:.5f}")) \
            if self.verbose else None
        with gain.cpu_threads(self.device):
            self.training_ = self._train(batches, recon, progress, gen)
        return self

    def _train(self, batches, recon, progress, gen) -> dict:
        return gain.train(
            _Pair(self.generator_), self.discriminator_, batches, n_iter=self.n_iter, time_limit=self.time_limit,
            lr=self.lr, generator=gen, progress=progress,
            step_kwargs=dict(expand=lambda t: t, recon=recon, hint_kind=self.hint, hint_rate=self.hint_rate,
                             alpha=self.alpha, noise=self.noise, drop_rate=self.drop_rate))

    def transform(self, images, mask, n_imputations: int | None = None):
        """The images with their masked pixels filled (a list of ``n_imputations`` draws when given)."""
        if not hasattr(self, "generator_"):
            raise ConfigError("this ImageImputer is not fitted yet: call fit first")
        images, mask = _check(images, mask)
        if images.shape[1:] != self.shape_:
            raise DataError(f"images of shape {images.shape[1:]} given to an imputer fitted on {self.shape_}")
        if not mask.any():
            warnings.warn("no pixel is missing: images returned unchanged", ImputeWarning)
            return [images.copy() for _ in range(n_imputations)] if n_imputations else images.copy()
        x, m = self._tensors(images, mask)
        dev = torch.device(self.device)
        gen = torch.Generator(device=dev)
        gen.manual_seed(self.random_state + 1)
        outs = []
        with torch.no_grad():
            for _ in range(n_imputations or 1):
                parts = []
                for xb, mb in zip(x.split(256), m.split(256)):
                    xb, mb = xb.to(dev), mb.to(dev)
                    z = torch.rand(xb.shape, generator=gen, device=dev) * self.noise
                    parts.append(self.generator_(mb * xb + (1 - mb) * z, mb).cpu())
                outs.append(self._restore(images, mask, torch.cat(parts)))
        return outs if n_imputations else outs[0]

    def fit_transform(self, images, mask, n_imputations: int | None = None):
        return self.fit(images, mask).transform(images, mask, n_imputations)

    @staticmethod
    def _restore(images: np.ndarray, mask: np.ndarray, g: torch.Tensor) -> np.ndarray:
        h, w = images.shape[-2:]
        g = g[..., :h, :w].clamp(0, 1).numpy().reshape(images.shape)
        if images.dtype == np.uint8:
            g = np.clip(np.round(g * 255.0), 0, 255)
        out = images.copy()
        out[mask] = g[mask].astype(images.dtype)
        return out


class _Pair(torch.nn.Module):
    """The image G as the GAIN loop calls generators: ``(filled, raw)``."""

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x, m):
        g = self.net(x, m)
        return g, g
