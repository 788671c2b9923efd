"""Differentiable augmentation for the discriminator (Zhao et al. 2020, "DiffAugment").

Operates on image batches of shape (B, C, H, W). Every transform is differentiable
w.r.t. the input, vectorised over the batch, and draws its randomness from an
optional ``torch.Generator`` so that results are reproducible. Apply the same
``DiffAugment`` to both real and fake batches before the discriminator.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

__all__ = ["AUGMENTATIONS", "DiffAugment", "translate", "cutout_mask"]

AUGMENTATIONS = ("translation", "cutout", "color")


def _same_format(out: Tensor, like: Tensor) -> Tensor:
    """Give ``out`` the memory format of ``like`` (channels_last or contiguous)."""
    if like.is_contiguous(memory_format=torch.channels_last) and not like.is_contiguous():
        return out.contiguous(memory_format=torch.channels_last)
    return out.contiguous()


def translate(x: Tensor, shift_h: Tensor, shift_w: Tensor) -> Tensor:
    """Shift each image by integer offsets, filling uncovered pixels with zeros.

    ``shift_h``/``shift_w`` are integer tensors of shape (B,): ``out[b, :, i, j] =
    x[b, :, i - shift_h[b], j - shift_w[b]]`` (zero where that index is outside).
    """
    b, _, h, w = x.shape
    rows = torch.arange(h, device=x.device).unsqueeze(0) - shift_h.view(b, 1)  # (B, H)
    cols = torch.arange(w, device=x.device).unsqueeze(0) - shift_w.view(b, 1)  # (B, W)
    valid = ((rows >= 0) & (rows < h)).unsqueeze(2) & ((cols >= 0) & (cols < w)).unsqueeze(1)
    batch = torch.arange(b, device=x.device).view(b, 1, 1)
    # Advanced indexing around a slice puts the indexed dims first: result is (B, H, W, C).
    gathered = x[batch, :, rows.clamp(0, h - 1).unsqueeze(2), cols.clamp(0, w - 1).unsqueeze(1)]
    out = torch.where(valid.unsqueeze(3), gathered, gathered.new_zeros(()))
    return _same_format(out.permute(0, 3, 1, 2), x)


def cutout_mask(shape: Sequence[int], top: Tensor, left: Tensor, size_h: int, size_w: int) -> Tensor:
    """Boolean keep-mask of shape (B, 1, H, W): False inside each sample's square."""
    b, _, h, w = shape
    rows = torch.arange(h, device=top.device).unsqueeze(0)
    cols = torch.arange(w, device=left.device).unsqueeze(0)
    in_r = (rows >= top.view(b, 1)) & (rows < top.view(b, 1) + size_h)
    in_c = (cols >= left.view(b, 1)) & (cols < left.view(b, 1) + size_w)
    return ~(in_r.unsqueeze(2) & in_c.unsqueeze(1)).unsqueeze(1)


class DiffAugment:
    """Stateless differentiable augmentation with a comma-separated or list ``policy``.

    Policies (applied in the given order): ``translation`` (random integer shift up
    to ``translation_ratio`` of each side, zero padded), ``cutout`` (zero a random
    square of side ``cutout_ratio`` of each side, lying inside the image) and
    ``color`` (random brightness, saturation and contrast). An empty policy is the
    identity.
    """

    def __init__(
        self,
        policy: str | Sequence[str] = "translation,cutout,color",
        translation_ratio: float = 0.125,
        cutout_ratio: float = 0.5,
    ) -> None:
        items = policy.split(",") if isinstance(policy, str) else list(policy)
        names = tuple(str(p).strip().lower() for p in items if str(p).strip())
        for name in names:
            if name not in AUGMENTATIONS:
                raise ValueError(
                    f"unknown augmentation {name!r}; choose from: {', '.join(AUGMENTATIONS)}"
                )
        if not 0.0 <= translation_ratio <= 1.0:
            raise ValueError(f"translation_ratio must be in [0, 1], got {translation_ratio}")
        if not 0.0 <= cutout_ratio <= 1.0:
            raise ValueError(f"cutout_ratio must be in [0, 1], got {cutout_ratio}")
        self.policy = names
        self.translation_ratio = float(translation_ratio)
        self.cutout_ratio = float(cutout_ratio)

    def __repr__(self) -> str:
        return (
            f"DiffAugment(policy={','.join(self.policy)!r}, "
            f"translation_ratio={self.translation_ratio}, cutout_ratio={self.cutout_ratio})"
        )

    def __call__(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """Augment a (B, C, H, W) batch; the same ``generator`` state gives the same result."""
        if x.dim() != 4:
            raise ValueError(f"DiffAugment expects a (B, C, H, W) batch, got shape {tuple(x.shape)}")
        for name in self.policy:
            x = getattr(self, f"_{name}")(x, generator)
        return x

    @staticmethod
    def _uniform(x: Tensor, generator: torch.Generator | None) -> Tensor:
        """Per-sample U(0, 1) of shape (B, 1, 1, 1) in x's dtype (drawn in float32)."""
        u = torch.rand((x.shape[0], 1, 1, 1), generator=generator, device=x.device)
        return u.to(x.dtype)

    def _color(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        brightness = self._uniform(x, generator) - 0.5
        saturation = self._uniform(x, generator) * 2.0
        contrast = self._uniform(x, generator) + 0.5
        x = x + brightness
        mean = x.mean(dim=1, keepdim=True)
        x = (x - mean) * saturation + mean  # exact no-op for a single channel
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        return (x - mean) * contrast + mean

    def _translation(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        b, _, h, w = x.shape
        max_h = int(h * self.translation_ratio + 0.5)
        max_w = int(w * self.translation_ratio + 0.5)
        if max_h == 0 and max_w == 0:
            return x
        shift_h = torch.randint(-max_h, max_h + 1, (b,), generator=generator, device=x.device)
        shift_w = torch.randint(-max_w, max_w + 1, (b,), generator=generator, device=x.device)
        return translate(x, shift_h, shift_w)

    def _cutout(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        b, _, h, w = x.shape
        size_h = min(h, int(h * self.cutout_ratio + 0.5))
        size_w = min(w, int(w * self.cutout_ratio + 0.5))
        if size_h == 0 or size_w == 0:
            return x
        top = torch.randint(0, h - size_h + 1, (b,), generator=generator, device=x.device)
        left = torch.randint(0, w - size_w + 1, (b,), generator=generator, device=x.device)
        keep = cutout_mask(x.shape, top, left, size_h, size_w)
        return _same_format(x * keep.to(x.dtype), x)
