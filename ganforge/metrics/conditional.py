"""Metrics for class-conditional generators: per-class Frechet distance (intra-FD).

``intra_fd`` (Miyato & Koyama 2018 call it intra-FID) fits one Gaussian per class to the features
of the generated images asked for that class and one to the real images of that class, and
reports the Frechet distance for each class and their mean. Unlike the FD of the pooled samples,
it is not fooled by a generator that makes good digits of the wrong class, or all its "3"s alike.
The conditional accuracy (``cond_acc``: how often a classifier agrees with the requested label)
lives in :mod:`ganforge.metrics.classifier`; :func:`conditional_scores` runs both on a generator.

With the digits extractor (``extractor="digits"``) these are digits-FDs: comparable only to other
digits-FDs of the same extractor. A class's Gaussian needs at least 2 samples; with few samples
per class (say under a few hundred in 128-d features) the FD is biased upwards, so compare
intra-FDs computed with the same numbers of samples.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ganforge.errors import DataError
from ganforge.metrics import get_metric, register
from ganforge.metrics.common import feature_pair, make_result
from ganforge.metrics.frechet import frechet_distance

__all__ = ["conditional_scores", "intra_fd"]


def _labels(y: Any, n: int, what: str) -> np.ndarray:
    y = np.asarray(y.detach().cpu() if hasattr(y, "detach") else y)
    if y.shape != (n,):
        raise DataError(f"intra-FD: {y.shape} labels for {n} {what}; need one label per sample")
    if y.dtype.kind not in "iu":
        raise DataError(f"intra-FD: labels of the {what} must be integers, got {y.dtype}")
    return y


@register("intra_fd", inputs="custom", values=("intra_fd",))
def intra_fd(fake: Any, fake_labels: Any, real: Any, real_labels: Any, *, extractor: Any = "auto",
             **kwargs: Any) -> dict[str, Any]:
    """Per-class Frechet distance between generated and real samples, and its mean over classes.

    ``fake``/``real`` are samples or :class:`~ganforge.features.Features`; ``fake_labels`` the labels
    the generator was asked for, ``real_labels`` the real samples' labels. Every class of
    ``fake_labels`` needs at least 2 samples on both sides. Returns a record whose ``values`` hold
    ``intra_fd`` (the mean) and ``intra_fd/<class>`` for each class, and whose ``per_class`` holds
    ``{class: {"fd", "n_fake", "n_real"}}``.
    """
    f, r = feature_pair(fake, real, extractor, **kwargs)
    yf, yr = _labels(fake_labels, f.n, "generated samples"), _labels(real_labels, r.n, "reference samples")
    per_class: dict[int, dict[str, float]] = {}
    for c in np.unique(yf).tolist():
        idx_f, idx_r = np.flatnonzero(yf == c), np.flatnonzero(yr == c)
        if len(idx_f) < 2 or len(idx_r) < 2:
            raise DataError(f"intra-FD: class {c} has {len(idx_f)} generated and {len(idx_r)} real samples; "
                            "each class needs at least 2 of both")
        fd = frechet_distance(*f.subset(idx_f).stats(), *r.subset(idx_r).stats())
        per_class[c] = {"fd": fd, "n_fake": int(len(idx_f)), "n_real": int(len(idx_r))}
    values = {"intra_fd": float(np.mean([v["fd"] for v in per_class.values()]))}
    values.update({f"intra_fd/{c}": v["fd"] for c, v in per_class.items()})
    out = make_result("intra_fd", values, f, r)
    out["per_class"] = {str(c): v for c, v in per_class.items()}
    return out


@torch.no_grad()
def conditional_scores(gan: Any, real: Any, real_labels: Any, *, n_per_class: int = 500, seed: int = 0,
                       extractor: Any = "auto", **kwargs: Any) -> dict[str, Any]:
    """Conditional accuracy and intra-FD of a class-conditional GAN against labelled real images.

    Draws ``n_per_class`` samples of every class in ``0..gan.num_classes-1`` (``gan.sample(n,
    labels=...)`` with a generator seeded by ``seed``) and scores them against ``real`` (uint8 or
    [-1, 1] images) with labels ``real_labels``, all in one set of features. Returns
    ``{"cond_acc", "intra_fd", "intra_fd_per_class": {class: fd}, "cond_acc_per_class": {class: acc},
    "n_per_class", "extractor"}``.
    """
    from ganforge.metrics.common import features_of

    labels = torch.arange(gan.num_classes).repeat_interleave(n_per_class)
    fake = gan.sample(len(labels), labels=labels, generator=torch.Generator().manual_seed(seed)).cpu()
    f, r = feature_pair(fake, real, extractor, **kwargs)
    acc = get_metric("cond_acc")(f, labels, extractor=extractor)["values"]["cond_acc"]
    fd = intra_fd(f, labels, r, real_labels, extractor=extractor)
    pred = features_of(f).logits.argmax(axis=1)
    y = labels.numpy()
    return {"cond_acc": acc, "intra_fd": fd["values"]["intra_fd"],
            "intra_fd_per_class": {c: v["fd"] for c, v in fd["per_class"].items()},
            "cond_acc_per_class": {str(c): float((pred[y == c] == c).mean()) for c in range(gan.num_classes)},
            "n_per_class": n_per_class, "extractor": f.extractor}
