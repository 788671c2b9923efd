"""Feature extractors turn samples into vectors; FID, KID, precision/recall and friends compare those.

Sample conventions (the same for every extractor):

* images are ``(N, C, H, W)`` with C = 1 (grey) or 3 (RGB), or ``(N, H, W)`` grey; either uint8
  in 0..255 (real data as stored) or float in [-1, 1] (what a generator makes). Float images are
  mapped to 0..255 and, by default, **rounded to whole levels** like a saved PNG, so generated
  and real images go through the same quantisation;
* vectors are ``(N, D)`` floats, passed through as they are.

Each extractor then converts channels and size to what its network expects (grey <-> RGB and
the resize are part of the extractor, documented there) and records, in every
:class:`Features`, its name and the input size its network saw.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from torch import Tensor, nn

from ganforge.errors import DataError
from ganforge.io import uint8_images

__all__ = ["FeatureExtractor", "Features", "ModuleExtractor", "IdentityExtractor", "as_samples",
           "to_pixel_levels", "tensor_fingerprint"]


@dataclass
class Features:
    """Features (and logits, when the extractor has them) of ``n`` samples, with their provenance."""

    features: np.ndarray  # (N, D) float32
    extractor: str
    input_size: tuple[int, ...]  # what the network saw: (C, H, W) for images, (D,) for vectors
    sample_shape: tuple[int, ...]  # one sample as given
    logits: np.ndarray | None = None  # (N, K) float32
    precision: str = "fp32"  # the arithmetic the network ran in: fp32 or bf16
    _stats: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.input_size = tuple(int(s) for s in self.input_size)
        self.sample_shape = tuple(int(s) for s in self.sample_shape)

    @property
    def n(self) -> int:
        return int(self.features.shape[0])

    @property
    def dim(self) -> int:
        return int(self.features.shape[1])

    def stats(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance (unbiased, float64) of the features; computed once."""
        if self._stats is None:
            if self.n < 2:
                raise DataError(f"need at least 2 samples for a covariance; got {self.n}")
            x = self.features.astype(np.float64)
            mu = x.mean(axis=0)
            xc = x - mu
            sigma = xc.T @ xc / (self.n - 1)
            self._stats = (mu, sigma)
        return self._stats

    def subset(self, index: np.ndarray) -> "Features":
        return Features(self.features[index], self.extractor, self.input_size, self.sample_shape,
                        None if self.logits is None else self.logits[index], self.precision)


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes bf16 natively (a GPU with bf16, a CPU with AVX512-BF16 or AMX)."""
    if device.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    from ganforge.hardware import cpu_has_fast_bf16

    return device.type == "cpu" and cpu_has_fast_bf16()


def tensor_fingerprint(tensors: dict[str, Tensor] | nn.Module, extra: str = "") -> str:
    """A sha256 over names, shapes, dtypes and values (identifies weights, whatever file they came from)."""
    if isinstance(tensors, nn.Module):
        tensors = tensors.state_dict()
    h = hashlib.sha256(extra.encode())
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        h.update(f"{name}:{tuple(t.shape)}:{t.dtype}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def as_samples(x: Any, what: str = "samples") -> Tensor:
    """Check samples (tensor or array) and return them as a CPU tensor: images (N, C, H, W) or vectors (N, D).

    Raises DataError naming ``what`` for other shapes, non-numbers, NaN/Inf or an empty set.
    """
    if isinstance(x, np.ndarray):
        if x.dtype == object or x.dtype.kind not in "biuf":
            raise DataError(f"{what}: unsupported dtype {x.dtype}; expected numbers")
        x = torch.from_numpy(np.ascontiguousarray(x))
    if not isinstance(x, Tensor):
        raise DataError(f"{what} must be a tensor or array, got {type(x).__name__}")
    x = x.detach().cpu()
    if x.ndim == 3:
        x = x.unsqueeze(1)
    if x.ndim == 4 and x.shape[1] not in (1, 3):
        raise DataError(f"{what}: images must be (N, C, H, W) with C = 1 or 3, got shape {tuple(x.shape)}")
    if x.ndim not in (2, 4):
        raise DataError(f"{what}: expected images (N, C, H, W) / (N, H, W) or vectors (N, D), "
                        f"got shape {tuple(x.shape)}")
    if len(x) == 0:
        raise DataError(f"{what}: no samples (shape {tuple(x.shape)})")
    if x.is_floating_point():
        bad = (~torch.isfinite(x)).flatten(1).any(1)
        if bad.any():
            raise DataError(f"{what}: {int(bad.sum())} of {len(x)} samples contain NaN or Inf values")
    elif x.dtype == torch.bool or x.is_complex():
        raise DataError(f"{what}: unsupported dtype {x.dtype}")
    return x


def to_pixel_levels(x: Tensor, quantize: bool = True) -> Tensor:
    """Images as float32 in 0..255: uint8/integers as they are; floats read as [-1, 1] (clamped),
    rounded to whole levels when ``quantize``."""
    if not x.is_floating_point():
        return x.float()
    if quantize:
        return uint8_images(x).float()
    return (x.float().clamp(-1, 1) + 1) * 127.5


class FeatureExtractor:
    """Base class: ``extractor(samples) -> Features``.

    Subclasses set ``name``, ``input_size`` and ``has_logits`` and implement :meth:`prepare` (samples
    of one batch -> network input) and :meth:`forward` (network input -> (features, logits or None)).
    ``precision`` is ``"fp32"``, ``"bf16"`` (autocast around the network; outputs are float32) or
    ``"auto"``: bf16 where the device computes it natively (CPUs with AVX512-BF16/AMX, GPUs with bf16)
    for the built-in networks, whose FID moved by less than 1% in bf16
    (``benchmarks/evaluation_speed.py``), and fp32 elsewhere and for user networks.
    """

    name: str = "extractor"
    input_size: tuple[int, ...] = ()
    has_logits: bool = False
    cacheable: bool = True  # False when :meth:`fingerprint` cannot vouch for the weights
    model: nn.Module | None = None  # the network, where there is one: moved by :meth:`to`, hashed for the cache
    bf16_validated: bool = True  # "auto" may pick bf16 (the built-in networks were measured in it)

    def __init__(self, device: str | torch.device = "cpu", precision: str = "auto", quantize: bool = True) -> None:
        if precision not in ("auto", "fp32", "bf16"):
            raise ValueError(f"precision must be auto, fp32 or bf16, got {precision!r}")
        self.device = torch.device(device)
        if precision == "auto":
            precision = "bf16" if self.bf16_validated and native_bf16(self.device) else "fp32"
        self.precision = precision
        self.quantize = quantize
        self._fingerprint: str | None = None

    # -- what subclasses provide ------------------------------------------------------------
    def prepare(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        raise NotImplementedError

    # -- shared machinery -------------------------------------------------------------------
    def weights_fingerprint(self) -> str:
        return tensor_fingerprint(self.model) if self.model is not None else ""

    def to(self, device: str | torch.device) -> "FeatureExtractor":
        self.device = torch.device(device)
        if self.model is not None:
            self.model.to(self.device)
        return self

    def fingerprint(self) -> str:
        """Identifies weights and preprocessing: part of every reference-statistics cache key."""
        if self._fingerprint is None:
            h = hashlib.sha256(f"{self.name}|{self.input_size}|{self.precision}|q{self.quantize}|".encode())
            h.update(self.weights_fingerprint().encode())
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def describe(self) -> dict[str, Any]:
        return {"extractor": self.name, "input_size": list(self.input_size), "precision": self.precision}

    @torch.no_grad()
    def __call__(self, samples: Any, batch_size: int = 200, what: str = "samples") -> Features:
        x = as_samples(samples, what)
        self.check(x, what)
        feats, logits = [], []
        for chunk in x.split(batch_size):
            inp = self.prepare(chunk).to(self.device)
            if self.precision == "bf16":
                with torch.autocast(self.device.type, dtype=torch.bfloat16):
                    f, lg = self.forward(inp)
            else:
                f, lg = self.forward(inp)
            feats.append(f.float().flatten(1).cpu())
            if lg is not None:
                logits.append(lg.float().cpu())
        features = torch.cat(feats).numpy()
        if not np.isfinite(features).all():
            raise DataError(f"{what}: the {self.name} extractor produced NaN/Inf features")
        return Features(features, self.name, self.input_size, tuple(x.shape[1:]),
                        torch.cat(logits).numpy() if logits else None, self.precision)

    def check(self, x: Tensor, what: str) -> None:
        """Reject samples this extractor cannot take (default: anything but images)."""
        if x.ndim != 4:
            raise DataError(f"{what}: the {self.name} extractor takes images; got vectors of shape {tuple(x.shape)} "
                            "(use --features identity for vector data)")


class IdentityExtractor(FeatureExtractor):
    """Vectors (N, D) as their own features: for tabular data and the 2-D/1-D mixtures."""

    name = "identity"

    def __init__(self, device: str | torch.device = "cpu", precision: str = "auto") -> None:
        super().__init__(device, "fp32")

    def check(self, x: Tensor, what: str) -> None:
        if x.ndim != 2:
            raise DataError(f"{what}: the identity extractor takes vectors (N, D); got shape {tuple(x.shape)}")
        self.input_size = (int(x.shape[1]),)

    def prepare(self, x: Tensor) -> Tensor:
        return x.double()

    def forward(self, x: Tensor) -> tuple[Tensor, None]:
        return x, None


class ModuleExtractor(FeatureExtractor):
    """Any ``nn.Module`` or callable as an extractor.

    Images reach it as float32 in [-1, 1] at their own size and channels (after the shared
    quantisation), vectors as float32. It returns a tensor ``(N, ...)`` (flattened to features),
    or a pair ``(features, logits)``, or a dict with ``"features"`` and optionally ``"logits"``.
    A module's weights are fingerprinted for the cache; a plain callable is never cached.
    """

    bf16_validated = False  # "auto" keeps a user's network in fp32

    def __init__(self, fn: Callable[[Tensor], Any] | nn.Module, name: str | None = None,
                 device: str | torch.device = "cpu", precision: str = "auto", quantize: bool = True) -> None:
        super().__init__(device, precision, quantize)
        if not callable(fn):
            raise TypeError(f"a feature extractor must be callable, got {type(fn).__name__}")
        self.fn = fn
        self.model = fn if isinstance(fn, nn.Module) else None
        self.cacheable = self.model is not None
        base = getattr(fn, "original_name", None) or type(fn).__name__
        if not isinstance(fn, nn.Module):
            base = getattr(fn, "__name__", base)
        self.name = name or (f"{base}-{self.weights_fingerprint()[:8]}" if self.cacheable else base)
        if isinstance(fn, nn.Module):
            fn.eval().to(self.device)
        self.has_logits = False  # known after the first call

    def check(self, x: Tensor, what: str) -> None:
        self.input_size = tuple(int(s) for s in x.shape[1:])

    def prepare(self, x: Tensor) -> Tensor:
        if x.ndim == 4:
            return to_pixel_levels(x, self.quantize) / 127.5 - 1.0
        return x.float()

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        out = self.fn(x)
        logits = None
        if isinstance(out, dict):
            out, logits = out["features"], out.get("logits")
        elif isinstance(out, (tuple, list)):
            out, logits = out[0], (out[1] if len(out) > 1 else None)
        if not isinstance(out, Tensor) or out.ndim < 1 or out.shape[0] != x.shape[0]:
            raise DataError(f"feature extractor {self.name} returned {type(out).__name__} "
                            f"{tuple(getattr(out, 'shape', ()))} for a batch of {x.shape[0]}; expected (N, ...)")
        self.has_logits = logits is not None
        return out.reshape(out.shape[0], -1), logits
