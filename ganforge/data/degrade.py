"""Low-resolution inputs for super-resolution, made from high-resolution images on the fly.

:func:`downscale` is bicubic down-sampling (Pillow's, which filters with the scaled kernel, as
MATLAB's ``imresize`` does); :class:`Degradation` adds the "realistic" first-order degradation of
Real-ESRGAN (Wang et al. 2021): Gaussian blur before down-sampling, then Gaussian noise and JPEG
compression. Random draws use torch's global generator (checkpointed by the Trainer, so a resumed
run sees the same inputs) or the ``generator`` given.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageFilter

from ganforge.errors import DataError

__all__ = ["Degradation", "downscale", "to_pil", "from_pil"]

_BICUBIC = getattr(Image, "Resampling", Image).BICUBIC


def to_pil(image: torch.Tensor) -> Image.Image:
    """uint8 ``(C, H, W)`` -> a Pillow image ("L" or "RGB")."""
    arr = image.permute(1, 2, 0).numpy()
    return Image.fromarray(arr[..., 0] if arr.shape[2] == 1 else arr, "L" if arr.shape[2] == 1 else "RGB")


def from_pil(img: Image.Image) -> torch.Tensor:
    """A Pillow image ("L" or "RGB") -> uint8 ``(C, H, W)``."""
    arr = np.array(img, dtype=np.uint8)
    t = torch.from_numpy(arr)
    return t.unsqueeze(0) if t.ndim == 2 else t.permute(2, 0, 1).contiguous()


def downscale(image: torch.Tensor, scale: int) -> torch.Tensor:
    """Bicubic down-sampling of a uint8 ``(C, H, W)`` image by ``scale`` (H and W divisible by it)."""
    c, h, w = image.shape
    if h % scale or w % scale:
        raise DataError(f"an image of {w}x{h} cannot be down-sampled by {scale}: its sides must be multiples of it")
    return from_pil(to_pil(image).resize((w // scale, h // scale), _BICUBIC))


def _uniform(low: float, high: float, generator: torch.Generator | None) -> float:
    return low + (high - low) * float(torch.rand((), generator=generator))


@dataclass(frozen=True)
class Degradation:
    """Real-ESRGAN-style degradation (one pass): blur, bicubic down-sampling, noise, JPEG.

    Attributes:
        blur: range of the Gaussian blur's sigma in high-resolution pixels (0, 0: none).
        noise: range of the Gaussian noise's std in 0..255 levels (0, 0: none).
        jpeg: range of the JPEG quality (0, 0: no compression).
        p: probability of each of the three being applied to an image.
    """

    blur: tuple[float, float] = (0.2, 2.0)
    noise: tuple[float, float] = (1.0, 15.0)
    jpeg: tuple[int, int] = (40, 95)
    p: float = 0.8

    def __call__(self, image: torch.Tensor, scale: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """The degraded low-resolution version of a uint8 ``(C, H, W)`` image."""
        img = to_pil(image)
        if self.blur[1] > 0 and _uniform(0, 1, generator) < self.p:
            img = img.filter(ImageFilter.GaussianBlur(_uniform(*self.blur, generator)))
        low = from_pil(img.resize((img.width // scale, img.height // scale), _BICUBIC))
        if self.noise[1] > 0 and _uniform(0, 1, generator) < self.p:
            sigma = _uniform(*self.noise, generator)
            noisy = low.float() + sigma * torch.randn(low.shape, generator=generator)
            low = noisy.round().clamp(0, 255).to(torch.uint8)
        if self.jpeg[1] > 0 and _uniform(0, 1, generator) < self.p:
            buffer = io.BytesIO()
            to_pil(low).save(buffer, format="JPEG", quality=int(round(_uniform(*self.jpeg, generator))))
            buffer.seek(0)
            with Image.open(buffer) as decoded:
                low = from_pil(decoded.convert("L" if low.shape[0] == 1 else "RGB"))
        return low
