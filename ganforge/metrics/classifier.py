"""Metrics from a classifier's logits: Inception Score and conditional accuracy.

* **Inception Score** (Salimans et al. 2016): ``exp(E_x KL(p(y|x) || p(y)))`` over ``splits``
  consecutive parts of the samples, mean and std over parts. With the Inception extractor it
  uses the 1008 logits as the original code did (without the fc bias); with the digits
  extractor the 10 digit logits (a "digits IS", at most 10).
* **Conditional accuracy**: how often the classifier's top class equals the label a conditional
  generator was asked for.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ganforge.errors import DataError
from ganforge.features import Features
from ganforge.metrics import register
from ganforge.metrics.common import check_sample_counts, features_of, make_result

__all__ = ["conditional_accuracy", "inception_score", "inception_score_from_logits"]


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def inception_score_from_logits(logits: np.ndarray, splits: int = 10) -> tuple[float, float]:
    """Mean and std over ``splits`` parts of ``exp(mean KL(p(y|x) || p(y)))``."""
    if len(logits) < splits:
        raise DataError(f"Inception Score with {splits} splits needs at least {splits} samples; got {len(logits)}")
    p = _softmax(np.asarray(logits))
    scores = []
    for part in np.array_split(p, splits):
        py = part.mean(axis=0, keepdims=True)
        kl = (part * (np.log(np.clip(part, 1e-30, None)) - np.log(np.clip(py, 1e-30, None)))).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def _logits(x: Any, extractor: Any, what: str, **kwargs: Any) -> Features:
    f = features_of(x, extractor, what=what, **kwargs)
    if f.logits is None:
        raise DataError(f"the {f.extractor} extractor has no logits; use digits, or inception with weights "
                        "that include the classifier (pytorch-fid's file)")
    return f


@register("is", inputs="fake", values=("is", "is_std"), min_samples=lambda splits=10, **_: splits,
          sensible_samples=5000)
def inception_score(fake: Any, real: Any = None, *, extractor: Any = "auto", splits: int = 10,
                    **kwargs: Any) -> dict[str, Any]:
    """Inception Score of ``fake`` (``real`` is ignored; it is accepted so every image metric takes a pair)."""
    f = _logits(fake, extractor, "generated samples", **kwargs)
    notes = check_sample_counts("is", f.n, options={"splits": splits})
    mean, std = inception_score_from_logits(f.logits, splits)
    return make_result("is", {"is": mean, "is_std": std}, f, notes=notes, splits=splits)


@register("cond_acc", inputs="labelled", min_samples=1, sensible_samples=100)
def conditional_accuracy(fake: Any, labels: Any, *, extractor: Any = "auto", **kwargs: Any) -> dict[str, Any]:
    """Fraction of generated samples whose predicted class is the requested label ``labels`` (N,)."""
    f = _logits(fake, extractor, "generated samples", **kwargs)
    if f.extractor.startswith("inception"):
        raise DataError("conditional accuracy needs a classifier of the data's own classes, not Inception's "
                        "ImageNet classes: use --features digits for the built-in digits, or train one on your "
                        "labelled data (`ganforge features train DATA --labels FILE --out classifier.pt`, "
                        "then --features classifier.pt)")
    notes = check_sample_counts("cond_acc", f.n)
    y = np.asarray(labels.detach().cpu() if hasattr(labels, "detach") else labels)
    if y.shape != (f.n,):
        raise DataError(f"conditional accuracy: {y.shape} labels for {f.n} samples; need one label per sample")
    if y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= f.logits.shape[1]:
        raise DataError(f"conditional accuracy: labels must be integers in 0..{f.logits.shape[1] - 1}")
    acc = float((f.logits.argmax(axis=1) == y).mean())
    return make_result("cond_acc", {"cond_acc": acc}, f, notes=notes)

