"""Small digit classifiers as feature extractors: 28x28 (MNIST) and 8x8 (scikit-learn digits).

They are ganforge's offline answer to "FID on MNIST is ill-defined": Inception-v3 was trained
on ImageNet photographs, so for grey digits a classifier trained on digits gives features that
mean something, and its logits give an Inception-style score and a conditional accuracy. The
weights ship inside the package (``ganforge/features/weights/digits{28,8}.safetensors``) and are
reproduced by ``scripts/train_digits_classifier.py``. A Frechet distance in these features is
called the *digits-FD*; it is comparable only to other digits-FDs of the same extractor.

Preprocessing: RGB images become grey (ITU-R 601 luma, as Pillow's ``L``); other sizes are resized
(bilinear with antialiasing) to the classifier's size; pixels 0..255 are mapped to [-1, 1].
Features are the 128-d (28x28) or 64-d (8x8) penultimate layer before its ReLU.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.features.base import FeatureExtractor, to_pixel_levels

__all__ = ["DIGITS_CONFIGS", "DigitsCNN", "DigitsExtractor", "load_digits_classifier", "digits_weights_path"]

# Architecture per input size: conv widths (each conv 3x3 + ReLU + 2x2 max-pool) and feature size.
DIGITS_CONFIGS: dict[int, dict[str, Any]] = {
    28: {"image_size": 28, "widths": [32, 64, 128], "feature_dim": 128},
    8: {"image_size": 8, "widths": [32, 64], "feature_dim": 64},
}
_LUMA = (0.299, 0.587, 0.114)


class DigitsCNN(nn.Module):
    """conv(3x3)+ReLU+maxpool stages, then a linear feature layer, ReLU, dropout and 10 logits.

    ``forward(x)`` takes grey images ``(N, 1, S, S)`` in [-1, 1] and returns ``(features, logits)``.
    """

    def __init__(self, image_size: int = 28, widths: list[int] | tuple[int, ...] = (32, 64, 128),
                 feature_dim: int = 128, n_classes: int = 10, dropout: float = 0.3) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels, size = 1, image_size
        for width in widths:
            layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            channels, size = width, size // 2
        self.body = nn.Sequential(*layers)
        self.feature = nn.Linear(channels * size * size, feature_dim)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(feature_dim, n_classes)
        self.image_size = image_size

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        f = self.feature(self.body(x).flatten(1))
        return f, self.head(self.dropout(F.relu(f)))


def digits_weights_path(image_size: int) -> Any:
    """The packaged weights file of the ``image_size`` classifier (a Traversable)."""
    return resources.files("ganforge.features").joinpath("weights").joinpath(f"digits{image_size}.safetensors")


def load_digits_classifier(image_size: int = 28, path: Any = None) -> tuple[DigitsCNN, dict[str, str]]:
    """The shipped (or given) digits classifier in eval mode, and the metadata stored with its weights."""
    from safetensors.torch import load

    from ganforge.errors import ConfigError

    if image_size not in DIGITS_CONFIGS:
        raise ConfigError(f"no digits classifier for {image_size}x{image_size}; sizes: {sorted(DIGITS_CONFIGS)}")
    source = path if path is not None else digits_weights_path(image_size)
    try:
        blob = source.read_bytes() if hasattr(source, "read_bytes") else open(source, "rb").read()
    except OSError as exc:
        raise ConfigError(f"cannot read the digits classifier weights {source}: {exc}; "
                          "re-create them with `python scripts/train_digits_classifier.py`") from None
    state = load(blob)
    meta = _metadata(blob)
    arch = json.loads(meta.get("architecture", "null")) or DIGITS_CONFIGS[image_size]
    model = DigitsCNN(**arch)
    model.load_state_dict(state)
    return model.eval().requires_grad_(False), meta


def _metadata(blob: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors blob (a JSON header after an 8-byte length)."""
    n = int.from_bytes(blob[:8], "little")
    return json.loads(blob[8:8 + n]).get("__metadata__", {}) or {}


class DigitsExtractor(FeatureExtractor):
    """The shipped digits classifier as an extractor: ``digits28`` or ``digits8``."""

    has_logits = True

    def __init__(self, image_size: int = 28, device: str | torch.device = "cpu", precision: str = "auto",
                 quantize: bool = True, model: DigitsCNN | None = None) -> None:
        super().__init__(device, precision, quantize)
        if model is None:
            model, self.metadata = load_digits_classifier(image_size)
        else:
            self.metadata = {}
        self.model = model.eval().requires_grad_(False).to(self.device)
        self.name = f"digits{image_size}"
        self.input_size = (1, image_size, image_size)
        self.size = image_size

    def prepare(self, x: Tensor) -> Tensor:
        x = _to_grey(to_pixel_levels(x, self.quantize))
        if x.shape[-2:] != (self.size, self.size):
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False, antialias=True)
        return x / 127.5 - 1.0

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return self.model(x)


def _to_grey(x: Tensor) -> Tensor:
    """(N, 3, H, W) RGB -> (N, 1, H, W) luma (unrounded); grey passes through."""
    if x.shape[1] == 1:
        return x
    w = torch.tensor(_LUMA, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x * w).sum(1, keepdim=True)
