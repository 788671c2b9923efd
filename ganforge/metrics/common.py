"""What the feature-based metrics share: samples -> features, and the shape of a result."""

from __future__ import annotations

from typing import Any

import numpy as np

from ganforge.data import DataError
from ganforge.features import Features, get_extractor

__all__ = ["features_of", "feature_pair", "make_result"]


def features_of(x: Any, extractor: Any = "auto", *, what: str = "samples", batch_size: int = 200,
                device: Any = "cpu", **kwargs: Any) -> Features:
    """``x`` itself when it already is :class:`Features`, else its features under ``extractor``."""
    if isinstance(x, Features):
        return x
    from ganforge.features import as_samples

    samples = as_samples(x, what)
    ext = get_extractor(extractor, sample_shape=tuple(samples.shape[1:]), device=device, **kwargs)
    return ext(samples, batch_size=batch_size, what=what)


def feature_pair(fake: Any, real: Any, extractor: Any = "auto", **kwargs: Any) -> tuple[Features, Features]:
    """Features of generated and reference samples under one extractor (built once)."""
    if not isinstance(fake, Features) and not isinstance(real, Features):
        from ganforge.features import as_samples

        fake_s, real_s = as_samples(fake, "generated samples"), as_samples(real, "reference samples")
        check_same_kind(tuple(fake_s.shape[1:]), tuple(real_s.shape[1:]))
        ext = get_extractor(extractor, sample_shape=tuple(real_s.shape[1:]), device=kwargs.pop("device", "cpu"),
                            **{k: v for k, v in kwargs.items() if k in ("precision", "inception_weights")})
        bs = kwargs.get("batch_size", 200)
        f, r = ext(fake_s, bs, "generated samples"), ext(real_s, bs, "reference samples")
    else:
        f = features_of(fake, extractor, what="generated samples", **kwargs)
        r = features_of(real, extractor, what="reference samples", **kwargs)
    if f.extractor != r.extractor or f.dim != r.dim or f.precision != r.precision:
        raise DataError(f"generated and reference features come from different extractors "
                        f"({f.extractor} {f.precision}, {f.dim}-d vs {r.extractor} {r.precision}, {r.dim}-d)")
    return f, r


def check_same_kind(fake_shape: tuple[int, ...], real_shape: tuple[int, ...]) -> None:
    """Generated and reference samples must both be images or both vectors of one size."""
    if (len(fake_shape) == 1) != (len(real_shape) == 1) or (len(fake_shape) == 1 and fake_shape != real_shape):
        raise DataError(f"generated samples have shape {fake_shape} but reference samples {real_shape}; "
                        "compare images with images and vectors of the same length")


def make_result(metric: str, values: dict[str, float], fake: Features | None = None, real: Features | None = None,
                **options: Any) -> dict[str, Any]:
    """The common result record: the metric, its values, sample counts, extractor and options."""
    ref = fake if fake is not None else real
    out: dict[str, Any] = {"metric": metric, "values": {k: _plain(v) for k, v in values.items()}}
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
        out["options"] = {k: _plain(v) for k, v in options.items()}
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v
