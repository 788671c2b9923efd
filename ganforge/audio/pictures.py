"""Pictures of sound: a grid of log-magnitude spectrograms (low frequencies at the bottom), and clips
strung together into one file to listen to."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from ganforge.plots import image_grid

from .spectral import stft_magnitude

__all__ = ["concatenate_clips", "spectrogram_grid", "spread"]

N_FFT, HOP, FLOOR_DB = 256, 128, -80.0


def spread(n_total: int, n: int) -> list[int]:
    """``n`` indices spread evenly over ``range(n_total)`` (so a class-ordered batch shows every class)."""
    n = min(n, n_total)
    return sorted({int(i) for i in np.linspace(0, n_total - 1, n).round()})


def spectrogram_grid(clips: torch.Tensor, nrow: int | None = None) -> Image.Image:
    """Clips ``(n, samples)`` in [-1, 1] as a grid of spectrograms (dB re full scale, -80..0 dB, inverted
    grey: loud is dark)."""
    mag = stft_magnitude(clips.detach().float().cpu(), N_FFT, HOP) / (N_FFT / 4)  # a full-scale sine: ~0 dB
    db = (20 * torch.log10(mag + 1e-6)).clamp(FLOOR_DB, 0.0)
    level = (db - FLOOR_DB) / -FLOOR_DB  # 0 silent .. 1 loud
    grey = ((1.0 - level) * 255).round().to(torch.uint8).flip(-2)  # (n, bins, frames), high bins at the top
    return image_grid(grey[..., None].numpy(), nrow=nrow)


def concatenate_clips(clips: torch.Tensor, sample_rate: int, gap_seconds: float = 0.25) -> np.ndarray:
    """Clips ``(n, samples)`` one after another with ``gap_seconds`` of silence between them."""
    gap = np.zeros(int(gap_seconds * sample_rate), dtype=np.float32)
    parts = []
    for clip in clips.detach().float().cpu().numpy():
        parts += [clip, gap]
    return np.concatenate(parts[:-1]) if parts else np.zeros(0, np.float32)
