"""What the feature-based metrics share: samples -> features, sample counts and shapes, the shape of a result.

Sample counts: each metric declares (in :func:`~ganforge.metrics.register`) the fewest samples per
set for which it is defined, and the count below which its value is unreliable.
:func:`check_sample_counts` refuses the first (DataError naming the metric and the counts) and
warns once, in one line, about the second (:class:`SampleSizeWarning`; the record's ``warnings``
repeats it). Five samples give an FID near 0 and precision = recall = 1: numbers that mean nothing.

Shapes: generated and reference images must have one shape (channels, height, width); with
``resize=True`` the generated images are resized to the reference's (see :func:`match_shape`).
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
import torch.nn.functional as F

from ganforge.errors import DataError
from ganforge.features import Features, get_extractor, to_pixel_levels
from ganforge.io import to_plain

__all__ = ["SampleSizeWarning", "check_sample_counts", "check_same_kind", "features_of", "feature_pair",
           "make_result", "match_shape", "sample_limits"]

_EXTRACTOR_KEYS = ("precision", "inception_weights", "data_source")


class SampleSizeWarning(UserWarning):
    """A metric computed from fewer samples than it needs to be reliable."""


def _with_defaults(metric: str, options: dict[str, Any] | None) -> tuple[Any, dict[str, Any]]:
    """The metric function and ``options`` completed with its defaults for ``k`` and ``splits``."""
    import inspect

    from ganforge.metrics import get_metric

    fn = get_metric(metric)
    defaults = {name: p.default for name, p in inspect.signature(fn).parameters.items() if name in ("k", "splits")}
    return fn, {**defaults, **(options or {})}


def sample_limits(metric: str, dim: int | None = None, **options: Any) -> tuple[int, int]:
    """``(minimum, sensible)`` sample counts per set of ``metric`` with these options and feature dimension."""
    fn, options = _with_defaults(metric, options)

    def value(limit: Any, default: int) -> int:
        if limit is None:
            return default
        return int(limit(dim=dim, **options) if callable(limit) else limit)

    return value(getattr(fn, "min_samples", None), 1), value(getattr(fn, "sensible_samples", None), 0)


def check_sample_counts(metric: str, n_fake: int | None, n_real: int | None = None, *, dim: int | None = None,
                        options: dict[str, Any] | None = None, warn: bool = True) -> list[str]:
    """Refuse counts below ``metric``'s minimum (DataError); return (and warn about) those below its sensible count."""
    _, options = _with_defaults(metric, options)
    minimum, sensible = sample_limits(metric, dim, **options)
    shown = ", ".join(f"{k}={v}" for k, v in options.items() if k in ("k", "splits"))
    name = f"{metric} ({shown})" if shown else metric
    notes = []
    for what, n in (("generated", n_fake), ("reference", n_real)):
        if n is None:
            continue
        if n < minimum:
            raise DataError(f"{name} needs at least {minimum} {what} samples; got {n}")
        if n < sensible:
            why = (f"; fewer samples than the {dim} feature dimensions make the covariance singular"
                   if metric == "fid" and dim is not None and n < dim else "")
            notes.append(f"{name} from {n} {what} samples is unreliable: use at least {sensible}{why}")
    if warn:
        for note in notes:
            warnings.warn(note, SampleSizeWarning, stacklevel=3)
    return notes


def features_of(x: Any, extractor: Any = "auto", *, what: str = "samples", batch_size: int = 200,
                device: Any = "cpu", **kwargs: Any) -> Features:
    """``x`` itself when it already is :class:`Features`, else its features under ``extractor``."""
    if isinstance(x, Features):
        return x
    from ganforge.features import as_samples

    samples = as_samples(x, what)
    ext = get_extractor(extractor, sample_shape=tuple(samples.shape[1:]), device=device,
                        **{k: v for k, v in kwargs.items() if k in _EXTRACTOR_KEYS})
    return ext(samples, batch_size=batch_size, what=what)


def feature_pair(fake: Any, real: Any, extractor: Any = "auto", *, resize: bool = False, **kwargs: Any
                 ) -> tuple[Features, Features]:
    """Features of generated and reference samples under one extractor (built once).

    Images of different shapes are refused unless ``resize`` (then the generated ones are resized).
    """
    if not isinstance(fake, Features) and not isinstance(real, Features):
        from ganforge.features import as_samples

        fake_s, real_s = as_samples(fake, "generated samples"), as_samples(real, "reference samples")
        fake_s = check_same_kind(fake_s, tuple(real_s.shape[1:]), resize)
        ext = get_extractor(extractor, sample_shape=tuple(real_s.shape[1:]), device=kwargs.pop("device", "cpu"),
                            **{k: v for k, v in kwargs.items() if k in _EXTRACTOR_KEYS})
        bs = kwargs.get("batch_size", 200)
        f, r = ext(fake_s, bs, "generated samples"), ext(real_s, bs, "reference samples")
    else:
        if isinstance(real, Features) and not isinstance(fake, Features):
            from ganforge.features import as_samples

            fake = check_same_kind(as_samples(fake, "generated samples"), real.sample_shape, resize)
        f = features_of(fake, extractor, what="generated samples", **kwargs)
        r = features_of(real, extractor, what="reference samples", **kwargs)
    if f.extractor != r.extractor or f.dim != r.dim or f.precision != r.precision:
        raise DataError(f"generated and reference features come from different extractors "
                        f"({f.extractor} {f.precision}, {f.dim}-d vs {r.extractor} {r.precision}, {r.dim}-d)")
    if not resize:
        check_same_kind(f.sample_shape, r.sample_shape)
    return f, r


def check_same_kind(fake: Any, real_shape: tuple[int, ...], resize: bool = False) -> Any:
    """Generated samples (or one sample's shape) checked against the reference's sample shape.

    Vectors must have the reference's length and images its (channels, height, width); with ``resize``,
    generated images (a tensor) are returned resized to it, otherwise they are returned as they are.
    """
    fake_shape = tuple(int(s) for s in (fake.shape[1:] if isinstance(fake, torch.Tensor) else fake))
    real_shape = tuple(int(s) for s in real_shape)
    if (len(fake_shape) == 1) != (len(real_shape) == 1) or (len(fake_shape) == 1 and fake_shape != real_shape):
        raise DataError(f"generated samples have shape {fake_shape} but reference samples {real_shape}; "
                        "compare images with images and vectors of the same length")
    if fake_shape == real_shape:
        return fake
    if not resize or not isinstance(fake, torch.Tensor):
        raise DataError(f"generated images have shape {fake_shape} (channels, height, width) but reference images "
                        f"{real_shape}; compare sets of one shape, or ask for resizing "
                        "(--resize; Python: resize=True) to resize the generated images to the reference's shape")
    return match_shape(fake, real_shape)


def match_shape(x: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """Images ``(N, C, H, W)`` resized (bilinear, antialiased) and converted (grey <-> RGB by repeat / luma)
    to ``shape`` = (C, H, W), returned as float in [-1, 1] (extractors quantise them like generated images)."""
    c, h, w = shape
    x = to_pixel_levels(x, quantize=False)
    if tuple(x.shape[-2:]) != (h, w):
        x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=True)
    if x.shape[1] != c:
        x = x.repeat(1, 3, 1, 1) if c == 3 else (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(
            1, keepdim=True)
    return (x.clamp(0, 255) / 127.5 - 1.0).float()


def make_result(metric: str, values: dict[str, float], fake: Features | None = None, real: Features | None = None,
                *, notes: list[str] | None = None, **options: Any) -> dict[str, Any]:
    """The common result record: the metric, its values, sample counts, extractor, options and ``warnings``."""
    ref = fake if fake is not None else real
    out: dict[str, Any] = {"metric": metric, "values": {k: to_plain(v) for k, v in values.items()}}
    if fake is not None:
        out["n_fake"] = fake.n
    if real is not None:
        out["n_real"] = real.n
    if ref is not None:
        out["extractor"] = ref.extractor
        out["precision"] = ref.precision
        out["input_size"] = list(ref.input_size)
        out["sample_shape"] = list(ref.sample_shape)
    if options:
        out["options"] = {k: to_plain(v) for k, v in options.items()}
    if notes:
        out["warnings"] = list(notes)
    return out
