"""Metrics by name: ``@register("name")`` adds one, :func:`get_metric` finds it.

Built in (each checked in tests against an independent computation):

==============  =========================================================  ==================
name            what                                                       takes
==============  =========================================================  ==================
fid             Frechet distance of features (FID; "digits-FD")            fake, real
kid             kernel (Inception) distance, unbiased MMD^2, mean +- std     fake, real
pr              precision and recall (Kynkaanniemi et al. 2019)            fake, real
dc              density and coverage (Naeem et al. 2020)                   fake, real
is              Inception Score (extractors with logits)                   fake
cond_acc        a classifier's agreement with the requested labels         fake, labels
intra_fd        per-class Frechet distance (intra-FD) of a conditional G   custom (see docs)
psnr, ssim      full-reference image quality                               pred, target
psnr_y, ssim_y  the same on the Y channel with a border crop (SR papers)   pred, target
colourfulness   Hasler & Suesstrunk's colourfulness, output / target       pred, target
hf_ratio        high-frequency spectral energy, output / target            pred, target
mode_coverage   covered modes of a Gaussian mixture (VEEGAN/PacGAN)        samples, centres
tabular_*       shape, pair trends, detection, utility, DCR of a table     real, synthetic
==============  =========================================================  ==================

Feature metrics take samples or precomputed :class:`~ganforge.features.Features` plus
``extractor=`` (a name, a path, a module; see :func:`ganforge.features.get_extractor`) and return
a record ``{"metric", "values": {...}, "n_fake", "n_real", "extractor", "input_size", ...}``.
:func:`ganforge.metrics.evaluate.evaluate` runs several of them on one set of features, and
:func:`ganforge.runs.evaluate.evaluate_run` on a trained run folder.
"""

from __future__ import annotations

from typing import Callable

_REGISTRY: dict[str, Callable[..., dict]] = {}


def register(name: str, *, inputs: str = "pair", values: tuple[str, ...] = (),
             min_samples: int | Callable[..., int] | None = None, sensible_samples: int | None = None
             ) -> Callable[[Callable[..., dict]], Callable[..., dict]]:
    """Decorator adding a metric function to the registry under ``name``.

    ``inputs`` tells evaluators what the metric takes: ``"pair"`` (generated and reference
    samples or features), ``"fake"``, ``"labelled"`` (generated samples and their requested
    labels), ``"paired"`` (predicted and target images), ``"mixture"`` (samples and the mixture)
    ``"table"`` (real and synthetic DataFrames) or ``"custom"`` (only callable directly). ``values`` names the numbers it returns.
    ``min_samples`` is the fewest samples per set for which the metric is defined (an int, or a function of
    the metric's options, e.g. ``lambda k=3, **_: k + 1``): fewer are refused. ``sensible_samples`` is
    the count below which its value is unreliable: fewer give a warning (see :mod:`ganforge.metrics.common`).
    """

    def add(fn: Callable[..., dict]) -> Callable[..., dict]:
        if name in _REGISTRY and _REGISTRY[name] is not fn:
            raise ValueError(f"metric {name!r} is registered twice")
        if not hasattr(fn, "inputs"):
            fn.inputs = inputs  # type: ignore[attr-defined]
        if not hasattr(fn, "values"):
            fn.values = tuple(values) or (name,)  # type: ignore[attr-defined]
        if min_samples is not None:
            fn.min_samples = min_samples  # type: ignore[attr-defined]
        if sensible_samples is not None:
            fn.sensible_samples = sensible_samples  # type: ignore[attr-defined]
        _REGISTRY[name] = fn
        return fn

    return add


def get_metric(name: str) -> Callable[..., dict]:
    """The metric registered as ``name``; an unknown name raises KeyError listing the metrics."""
    _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}; metrics: {', '.join(sorted(_REGISTRY))}") from None


def available_metrics() -> list[str]:
    """Names of all registered metrics."""
    _load_builtin()
    return sorted(_REGISTRY)


def metric_inputs(name: str) -> str:
    """What the metric ``name`` takes (see :func:`register`)."""
    return getattr(get_metric(name), "inputs", "pair")


def metric_values(name: str) -> tuple[str, ...]:
    """The names of the numbers the metric ``name`` returns in its record's ``values``."""
    return tuple(getattr(get_metric(name), "values", (name,)))


# Values for which larger is better (for the best checkpoint and early stopping); others: smaller.
HIGHER_IS_BETTER = frozenset({"precision", "recall", "density", "coverage", "is", "cond_acc", "psnr", "ssim",
                              "modes_covered", "high_quality", "psnr_y", "ssim_y",
                              "colourfulness"})


#: The modules whose import registers the built-in metrics. They are loaded by name, as plug-ins are: each
#: imports :func:`register` from here, so importing them by statement would make a cycle.
BUILTIN_MODULES = ("classifier", "conditional", "frechet", "image", "kid", "manifold", "mode_coverage", "tabular",
                   "translation")


def _load_builtin() -> None:
    import importlib

    for name in BUILTIN_MODULES:
        importlib.import_module(f"ganforge.metrics.{name}")
    mode_coverage = importlib.import_module("ganforge.metrics.mode_coverage")
    mode_coverage.mode_coverage.inputs = "mixture"  # samples plus the mixture's centres and std
    mode_coverage.mode_coverage.values = ("modes_covered", "high_quality")


__all__ = ["HIGHER_IS_BETTER", "available_metrics", "get_metric", "metric_inputs", "metric_values", "register"]
