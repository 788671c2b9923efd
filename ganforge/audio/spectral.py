"""Spectrograms with ``torch.stft``, a mel filter bank, Griffin-Lim phase recovery.

All functions take batches of mono waveforms ``(..., samples)`` as float tensors and work on any device.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["griffin_lim", "hz_to_mel", "istft", "log_mel", "mel_filterbank", "mel_to_hz", "stft", "stft_magnitude"]


def _window(n_fft: int, like: Tensor) -> Tensor:
    return torch.hann_window(n_fft, periodic=True, dtype=like.real.dtype if like.is_complex() else like.dtype,
                             device=like.device)


def stft(x: Tensor, n_fft: int, hop: int) -> Tensor:
    """Complex STFT ``(..., n_fft // 2 + 1, frames)`` with a Hann window, frames centred (reflect padding)."""
    lead = x.shape[:-1]
    spec = torch.stft(x.reshape(-1, x.shape[-1]), n_fft, hop, window=_window(n_fft, x), center=True,
                      pad_mode="reflect", return_complex=True)
    return spec.reshape(*lead, *spec.shape[-2:])


def stft_magnitude(x: Tensor, n_fft: int, hop: int) -> Tensor:
    """``|STFT(x)|``, see :func:`stft`."""
    return stft(x, n_fft, hop).abs()


def istft(spec: Tensor, n_fft: int, hop: int, length: int) -> Tensor:
    """Inverse of :func:`stft` (overlap-add), ``length`` samples."""
    lead = spec.shape[:-2]
    x = torch.istft(spec.reshape(-1, *spec.shape[-2:]), n_fft, hop, window=_window(n_fft, spec), center=True,
                    length=length)
    return x.reshape(*lead, length)


def griffin_lim(magnitude: Tensor, n_fft: int, hop: int, length: int, iterations: int = 32,
                momentum: float = 0.99, generator: torch.Generator | None = None) -> Tensor:
    """A waveform whose STFT magnitude approaches ``magnitude`` (``(..., n_fft // 2 + 1, frames)``).

    Fast Griffin-Lim (Perraudin et al. 2013): alternate projections between consistent spectrograms
    and spectrograms of the given magnitude, with ``momentum``; the phases start random (``generator``).
    """
    mag = magnitude.float()
    phase = torch.rand(mag.shape, generator=generator, device="cpu").to(mag.device) * (2 * math.pi)
    angles = torch.polar(torch.ones_like(mag), phase)
    previous = torch.zeros_like(angles)
    for _ in range(iterations):
        rebuilt = stft(istft(mag * angles, n_fft, hop, length), n_fft, hop)
        angles = rebuilt - previous * (momentum / (1 + momentum))
        angles = angles / angles.abs().clamp_min(1e-16)
        previous = rebuilt
    return istft(mag * angles, n_fft, hop, length)


def hz_to_mel(f: Tensor | float) -> Tensor:
    """The HTK mel scale: ``2595 log10(1 + f / 700)``."""
    return 2595.0 * torch.log10(1.0 + torch.as_tensor(f, dtype=torch.float64) / 700.0)


def mel_to_hz(m: Tensor | float) -> Tensor:
    return 700.0 * (10.0 ** (torch.as_tensor(m, dtype=torch.float64) / 2595.0) - 1.0)


def mel_filterbank(n_mels: int, n_fft: int, sample_rate: int, f_min: float = 20.0,
                   f_max: float | None = None) -> Tensor:
    """Triangular filters ``(n_mels, n_fft // 2 + 1)``, equally spaced on the mel scale, each of unit area
    in Hz (Slaney's normalisation), so loud and quiet bands weigh alike whatever their width."""
    f_max = sample_rate / 2 if f_max is None else f_max
    if not 0 <= f_min < f_max <= sample_rate / 2:
        raise ValueError(f"need 0 <= f_min < f_max <= sample_rate/2; got {f_min}, {f_max}, {sample_rate}")
    freqs = torch.linspace(0, sample_rate / 2, n_fft // 2 + 1, dtype=torch.float64)
    edges = mel_to_hz(torch.linspace(float(hz_to_mel(f_min)), float(hz_to_mel(f_max)), n_mels + 2,
                                     dtype=torch.float64))
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs - lo) / (mid - lo)
    falling = (hi - freqs) / (hi - mid)
    bank = torch.clamp(torch.minimum(rising, falling), min=0.0)
    bank = bank * (2.0 / (hi - lo))
    return bank.float()


def log_mel(x: Tensor, sample_rate: int, n_fft: int = 512, hop: int = 160, n_mels: int = 40,
            f_min: float = 20.0, f_max: float | None = None, floor: float = 1e-5) -> Tensor:
    """Log mel power spectrogram ``(..., n_mels, frames)`` of waveforms ``(..., samples)``."""
    bank = mel_filterbank(n_mels, n_fft, sample_rate, f_min, f_max).to(x.device)
    power = stft_magnitude(x.float(), n_fft, hop) ** 2
    return torch.log(torch.einsum("mf,...ft->...mt", bank, power) + floor)
