"""Evaluation as a whole: several metrics on one set of features, for samples, for a run, during training.

* :func:`evaluate` -- generated samples against reference samples (arrays, tensors, a Dataset);
* :func:`generate` -- seeded samples from a GAN's generator, with the labels they were made for;
* :class:`TrainingEvaluator` -- ``fn(gan) -> records`` for periodic evaluation during training.

A run folder's evaluation (``evaluate_run``, ``training_callbacks``) is :mod:`ganforge.runs.evaluate`,
a layer above: this module knows no run folder, checkpoint or Trainer.

Every result is a record ``{"metric", "values", "n_fake", "n_real", "extractor", "input_size", ...}``.
Results files are appended to, never rewritten; a record is identified by its metric, step,
sample counts and extractor.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

from ganforge.data import Dataset
from ganforge.errors import ConfigError, DataError
from ganforge.features import Features, as_samples, get_extractor
from ganforge.metrics import available_metrics, get_metric, metric_inputs
from ganforge.metrics.common import check_sample_counts, check_same_kind
from ganforge.metrics.reference import ReferenceCache

__all__ = ["TrainingEvaluator", "evaluate", "generate", "parse_metrics"]

# Old paths of the run-folder half, now in ganforge.runs.evaluate (loaded on use: metrics import no run code).
_MOVED = ("DEFAULT_METRICS", "evaluate_run", "resolve_checkpoint", "training_callbacks")  # ganforge.runs.evaluate


def __getattr__(name: str):
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module("ganforge.runs.evaluate"), name)
    raise AttributeError(f"module 'ganforge.metrics.evaluate' has no attribute {name!r}")


def parse_metrics(spec: str | Sequence[str]) -> list[str]:
    """``"fid, kid"`` or ``["fid", "kid"]`` -> checked names (ConfigError for unknown ones)."""
    names = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec) if s and s.strip()]
    if not names:
        raise ConfigError(f"no metrics given; choose from {', '.join(available_metrics())}")
    for name in names:
        get_metric(name)  # an unknown name: the registry's did-you-mean error
    return list(dict.fromkeys(names))


def evaluate(fake: Any, real: Any = None, *, metrics: str | Sequence[str] = "fid", extractor: Any = "auto",
             fake_labels: Any = None, mixture: Any = None, reference_name: str | None = None,
             cache: ReferenceCache | None = None, batch_size: int = 200, device: Any = "cpu",
             precision: str = "auto", inception_weights: Any = None,
             options: dict[str, dict[str, Any]] | None = None, data_source: str | None = None,
             resize: bool = False) -> list[dict[str, Any]]:
    """Run ``metrics`` on generated samples ``fake`` against ``real``; features are extracted once.

    ``real`` is a tensor/array, a :class:`~ganforge.data.Dataset` (its name keys the reference
    cache) or :class:`~ganforge.features.Features`. ``fake_labels`` are the labels generation was
    conditioned on (for ``cond_acc``); ``mixture`` the generating mixture (for ``mode_coverage``);
    ``options`` per-metric keyword arguments, e.g. ``{"kid": {"subsets": 10}}``. ``data_source`` is
    where the reference data came from (a built-in name or a path; default: a Dataset's name): with
    ``extractor="auto"`` only the built-in ``mnist`` and ``digits`` get the digits CNN. Images of
    another shape than the reference's are refused unless ``resize`` (then they are resized to it).
    Raises ConfigError (unknown metric or extractor, a metric whose input is missing) or DataError
    (bad shapes, NaN/Inf, fewer samples than a metric needs) before anything is computed.
    """
    names = parse_metrics(metrics)
    options = options or {}
    if isinstance(real, Dataset):
        data_source = data_source or real.name
        reference_name = reference_name or real.name
        mixture = mixture if mixture is not None else real.mixture
        real = real.data
    fake_s = fake if isinstance(fake, Features) else as_samples(fake, "generated samples")
    real_s = real if real is None or isinstance(real, Features) else as_samples(real, "reference samples")
    inputs = {n: metric_inputs(n) for n in names}
    for n, takes in inputs.items():
        if takes in ("fake_and_real", "prediction_and_target") and real_s is None:
            raise ConfigError(f"metric {n} compares with reference samples; none were given")
        if takes == "labelled" and fake_labels is None:
            raise ConfigError(f"metric {n} needs the labels the samples were generated for "
                              "(a conditional generator, or --fake data with labels)")
        if takes == "mixture" and mixture is None:
            raise ConfigError(f"metric {n} applies to the Gaussian-mixture data sets (ring8, grid25, gaussian1d)")
        if takes in ("prediction_and_target", "mixture", "custom") and isinstance(fake_s, Features) or (
                takes == "prediction_and_target" and isinstance(real_s, Features)):
            raise ConfigError(f"metric {n} needs samples, not features")
        if takes == "table":
            raise ConfigError(f"metric {n} compares tables: use `ganforge tabular report` or "
                              f"ganforge.metrics.get_metric({n!r})(real_df, synthetic_df)")
        if takes == "custom":
            raise ConfigError(f"metric {n} cannot be run by evaluate(); call ganforge.metrics.get_metric({n!r})")
    if isinstance(fake_s, torch.Tensor) and real_s is not None:
        real_shape = real_s.shape[1:] if isinstance(real_s, torch.Tensor) else real_s.sample_shape
        fake_s = check_same_kind(fake_s, tuple(real_shape), resize)
    for n, takes in inputs.items():  # counts below a metric's minimum are refused before any work
        if takes in ("fake_and_real", "fake", "labelled"):
            check_sample_counts(n, len(fake_s) if isinstance(fake_s, torch.Tensor) else fake_s.n,
                                (len(real_s) if isinstance(real_s, torch.Tensor) else real_s.n)
                                if takes == "fake_and_real" else None, options=options.get(n), warn=False)

    fake_f = real_f = None
    if any(k in ("fake_and_real", "fake", "labelled") for k in inputs.values()):
        shape = (real_s if isinstance(real_s, torch.Tensor) else fake_s)
        ext = None
        if not (isinstance(fake_s, Features) and (real_s is None or isinstance(real_s, Features))):
            ext = get_extractor(extractor, sample_shape=tuple(shape.shape[1:]) if isinstance(shape, torch.Tensor)
                                else None, device=device, precision=precision, inception_weights=inception_weights,
                                data_source=data_source)
        fake_f = fake_s if isinstance(fake_s, Features) else ext(fake_s, batch_size, "generated samples")
        if isinstance(real_s, Features):
            real_f = real_s
        elif real_s is not None and any(k == "fake_and_real" for k in inputs.values()):
            if cache is not None and reference_name:
                real_f = cache.features(real_s, reference_name, ext, batch_size)
            else:
                real_f = ext(real_s, batch_size, "reference samples")
        if real_f is not None and (real_f.extractor, real_f.dim, real_f.precision) != (
                fake_f.extractor, fake_f.dim, fake_f.precision):
            raise DataError(f"generated and reference features come from different extractors "
                            f"({fake_f.extractor} {fake_f.precision} vs {real_f.extractor} {real_f.precision})")

    records = []
    for n, takes in inputs.items():
        fn, opts = get_metric(n), dict(options.get(n, {}))
        if takes == "fake_and_real":
            rec = fn(fake_f, real_f, **opts)
        elif takes == "fake":
            rec = fn(fake_f, **opts)
        elif takes == "labelled":
            rec = fn(fake_f, fake_labels, **opts)
        elif takes == "prediction_and_target":
            rec = fn(fake_s, real_s, **opts)
        else:  # mixture
            out = fn(fake_s.flatten(1), mixture.centers, mixture.std, **opts)
            rec = {"metric": n, "values": {k: v for k, v in out.items() if k in ("modes_covered", "high_quality")},
                   "n_fake": out["n_samples"], "extractor": "none", "per_mode": out["per_mode"],
                   "options": {"std": float(mixture.std), **opts}}
        if reference_name and "n_real" in rec:
            rec["reference"] = reference_name
        records.append(rec)
    return records


def generate(gan: Any, n: int, seed: int = 0, batch_size: int = 500) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``n`` samples from a GAN's (EMA) generator with seeded latent vectors, on the CPU, and the labels they
    were generated for (class-conditional GANs: every class equally often, in blocks; else None).

    NaN/Inf in the samples is a DataError.
    """
    g = torch.Generator().manual_seed(seed)
    z = gan.sample_latent(n, device=torch.device("cpu"), generator=g)
    labels = None
    if hasattr(gan, "resolve_labels"):  # class-conditional (ganforge.gans.conditional)
        labels = gan.resolve_labels(n, None).cpu()
        x = gan.sample(n, z=z, labels=labels, batch_size=batch_size).cpu()
    else:
        x = gan.sample(n, z=z, batch_size=batch_size).cpu()
    bad = (~torch.isfinite(x)).flatten(1).any(1)
    if bad.any():
        raise DataError(f"the generator produced NaN/Inf in {int(bad.sum())} of {n} samples; "
                        "the checkpoint's weights are broken (try an earlier checkpoint, e.g. --checkpoint best)")
    return x, labels


class TrainingEvaluator:
    """``fn(gan) -> records`` for :class:`~ganforge.training.evaluation.PeriodicEvaluation`.

    Samples come from fixed latent vectors (seeded), so successive evaluations differ only by the
    generator; reference features are computed on first use (through the cache).
    """

    def __init__(self, dataset: Dataset, metrics: Sequence[str], n: int, extractor: Any = "auto",
                 reference_n: int | None = None, seed: int = 0, device: Any = "cpu",
                 options: dict[str, dict[str, Any]] | None = None, cache: ReferenceCache | None = None,
                 data_source: str | None = None) -> None:
        self.metrics = parse_metrics(metrics)
        self.n, self.seed, self.device = n, seed, device
        self.options = options or {}
        self.dataset = dataset if reference_n is None else dataset.subset(min(reference_n, len(dataset)), seed)
        self.reference_name = dataset.name + ("" if reference_n is None else f"[{len(self.dataset)} of seed {seed}]")
        needs_features = any(metric_inputs(m) in ("fake_and_real", "fake", "labelled") for m in self.metrics)
        # built now, so a bad extractor or missing weights fail before training starts
        self.extractor = get_extractor(extractor, sample_shape=dataset.sample_shape, device=device,
                                       data_source=data_source or dataset.name) if needs_features else None
        self.cache = cache if cache is not None else ReferenceCache()
        self._reference: Features | None = None

    def __call__(self, gan: Any) -> list[dict[str, Any]]:
        if self._reference is None and self.extractor is not None:
            self._reference = self.cache.features(self.dataset.data, self.reference_name, self.extractor)
        samples, labels = generate(gan, self.n, self.seed)
        real = self._reference if self._reference is not None else self.dataset.data
        return evaluate(samples, real, metrics=self.metrics, extractor=self.extractor, options=self.options,
                        fake_labels=labels,
                        mixture=self.dataset.mixture, reference_name=self.reference_name, device=self.device)
