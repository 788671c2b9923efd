"""STFT, mel filter bank and Griffin-Lim."""

from __future__ import annotations

import math

import torch

from ganforge.audio.spectral import griffin_lim, istft, log_mel, mel_filterbank, stft, stft_magnitude


def tone(n=16384, rate=16000, freq=440.0):
    return 0.5 * torch.sin(2 * math.pi * freq * torch.arange(n) / rate)


def test_stft_and_its_inverse_round_trip_and_a_tone_peaks_at_its_bin():
    x = tone()
    spec = stft(x, 256, 128)
    assert spec.shape == (129, 129)
    assert torch.allclose(istft(spec, 256, 128, len(x)), x, atol=1e-5)
    peak = stft_magnitude(x, 256, 128)[:, 64].argmax().item()
    assert abs(peak * 16000 / 256 - 440) <= 16000 / 256 / 2


def test_griffin_lim_recovers_a_tone_whose_stft_magnitude_is_close_to_the_original():
    x = tone() + 0.3 * tone(freq=1320.0)
    mag = stft_magnitude(x, 256, 128)
    y = griffin_lim(mag, 256, 128, len(x), iterations=32, generator=torch.Generator().manual_seed(0))
    error = (stft_magnitude(y, 256, 128) - mag).norm() / mag.norm()
    assert error < 0.15
    random = torch.randn(len(x)) * x.std()
    assert (stft_magnitude(random, 256, 128) - mag).norm() / mag.norm() > 0.9  # the bound means something


def test_mel_filters_are_triangles_of_unit_area_spaced_on_the_mel_scale():
    bank = mel_filterbank(40, 512, 16000, 20.0, 8000.0)
    assert bank.shape == (40, 257) and (bank >= 0).all()
    hz_per_bin = 16000 / 512
    area = bank.sum(1) * hz_per_bin
    assert torch.allclose(area[5:], torch.ones(35), atol=0.1)  # the narrow low filters are sampled coarsely
    centres = bank.argmax(1)
    assert (centres[1:] >= centres[:-1]).all() and (centres[-5:].diff() > centres[5:10].diff()).all()


def test_log_mel_of_a_batch_has_one_frame_per_hop():
    out = log_mel(torch.stack([tone(), tone(freq=2000.0)]), 16000, n_fft=512, hop=160, n_mels=40)
    assert out.shape == (2, 40, 16384 // 160 + 1)
    assert out[0].mean(1).argmax() < out[1].mean(1).argmax()  # the higher tone lights a higher band
