"""A small spoken-digit classifier as a feature extractor (``spoken_digits``), for audio GANs.

It plays the part the digits CNN plays for images: its logits give an Inception score and the
conditional accuracy (does the clip say the requested digit?), its 64-d penultimate features a
Frechet distance. Input: 16 kHz clips of 16,384 samples (others are cut or zero-padded around their
centre); features: a 40-band log-mel spectrogram (25 ms frames, 10 ms hop) of the clip scaled to a peak of
1, minus its loudest value (so the level does not matter), then three 3x3 convolutions with max-pooling and a global
average. The weights ship in the package (``weights/spoken_digits.safetensors``, trained on the training
voices of the spoken-digits set by ``scripts/train_spoken_digits_classifier.py``; its accuracy on the 10
held-out voices is stored in the file's metadata).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.errors import ConfigError, DataError
from ganforge.features.base import FeatureExtractor

__all__ = ["SpokenDigitsCNN", "SpokenDigitsExtractor", "load_spoken_digits_classifier", "speech_features"]

SAMPLE_RATE, LENGTH, N_MELS = 16000, 16384, 40
WEIGHTS = "spoken_digits.safetensors"


def speech_features(x: Tensor) -> Tensor:
    """Clips ``(n, samples)`` -> log-mel ``(n, 1, 40, frames)`` of the peak-normalised clips, minus its maximum."""
    from ganforge.audio.spectral import log_mel

    if x.shape[-1] != LENGTH:
        pad = LENGTH - x.shape[-1]
        x = F.pad(x, (pad // 2, pad - pad // 2)) if pad > 0 else x[..., -pad // 2:-pad // 2 + LENGTH]
    x = x.float()
    x = x / x.abs().amax(-1, keepdim=True).clamp_min(1e-4)  # peak-normalised: the level does not matter
    mel = log_mel(x, SAMPLE_RATE, n_fft=512, hop=160, n_mels=N_MELS, f_min=20.0, f_max=8000.0)
    return (mel - mel.amax(dim=(-2, -1), keepdim=True))[:, None]


class SpokenDigitsCNN(nn.Module):
    """Log-mel ``(n, 1, 40, frames)`` -> (features ``(n, widths[-1])``, logits ``(n, 10)``)."""

    def __init__(self, widths: list[int] | tuple[int, ...] = (16, 32, 64), classes: int = 10) -> None:
        super().__init__()
        chans = [1, *widths]
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1) for a, b in zip(chans[:-1], chans[1:]))
        self.norms = nn.ModuleList(nn.BatchNorm2d(b) for b in chans[1:])
        self.head = nn.Linear(chans[-1], classes)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        h = x / 10.0
        for conv, norm in zip(self.convs, self.norms):
            h = F.max_pool2d(F.relu(norm(conv(h))), 2)
        features = h.mean(dim=(-2, -1))
        return features, self.head(features)


def load_spoken_digits_classifier(path: Any = None) -> tuple[SpokenDigitsCNN, dict[str, str]]:
    """The shipped (or given) classifier in eval mode, and its metadata."""
    from safetensors.torch import load

    source = path if path is not None else resources.files("ganforge.features").joinpath("weights").joinpath(WEIGHTS)
    try:
        blob = source.read_bytes() if hasattr(source, "read_bytes") else open(source, "rb").read()
    except OSError as exc:
        raise ConfigError(f"cannot read the spoken-digits classifier weights {source}: {exc}; re-create them with "
                          "`python scripts/train_spoken_digits_classifier.py`") from None
    n = int.from_bytes(blob[:8], "little")
    meta = json.loads(blob[8:8 + n]).get("__metadata__", {}) or {}
    model = SpokenDigitsCNN(**json.loads(meta.get("architecture", "{}")))
    model.load_state_dict({k: v.float() for k, v in load(blob).items()})
    return model.eval().requires_grad_(False), meta


class SpokenDigitsExtractor(FeatureExtractor):
    """The shipped spoken-digit classifier as an extractor of clips ``(n, samples)`` at 16 kHz."""

    name = "spoken_digits"
    input_size = (LENGTH,)
    has_logits = True
    bf16_validated = False  # measured in fp32 only

    def __init__(self, device: str | torch.device = "cpu", precision: str = "auto",
                 model: SpokenDigitsCNN | None = None) -> None:
        super().__init__(device, precision, quantize=False)
        if model is None:
            model, self.metadata = load_spoken_digits_classifier()
        else:
            self.metadata = {}
        self.model = model.eval().requires_grad_(False).to(self.device)

    def check(self, x: Tensor, what: str) -> None:
        if x.ndim != 2:
            raise DataError(f"{what}: the {self.name} extractor takes audio clips (n, samples); got shape "
                            f"{tuple(x.shape)}")

    def prepare(self, x: Tensor) -> Tensor:
        return speech_features(x)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return self.model(x)
