"""k-nearest-neighbour manifold metrics on features.

* **Precision and recall** (Kynkaanniemi et al. 2019): the real manifold is the union of balls
  around each real feature with radius the distance to its k-th nearest real neighbour (k = 3);
  precision is the fraction of generated samples inside it (``<=``); recall swaps the roles.
* **Density and coverage** (Naeem et al. 2020, k = 5): density is the average number of real
  balls containing a generated sample, divided by k (about 1 when the distributions agree and
  above 1 for samples packed in dense real regions); coverage is the fraction of real balls
  that contain at least one generated sample (strict ``<``, as the authors' code).

Distances are exact (float64), computed in blocks so memory stays bounded.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ganforge.errors import DataError
from ganforge.metrics import register
from ganforge.metrics.common import check_sample_counts, feature_pair, make_result

__all__ = ["density_coverage", "dc", "knn_radii", "pr", "precision_recall"]

_BLOCK = 1024


def _sq_dists(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    d = (a * a).sum(1, keepdim=True) + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return d.clamp_(min=0)


def knn_radii(x: np.ndarray, k: int) -> np.ndarray:
    """Distance of each row to its k-th nearest other row."""
    if len(x) <= k:
        raise DataError(f"k-nearest-neighbour radii need more than k={k} samples; got {len(x)}")
    t = torch.as_tensor(np.asarray(x, np.float64))
    out = []
    for block in t.split(_BLOCK):
        d = _sq_dists(block, t)
        out.append(d.kthvalue(k + 1, dim=1).values)  # the k+1-th smallest counts the point itself
    return torch.cat(out).sqrt().numpy()


def _ball_counts(query: np.ndarray, centres: np.ndarray, radii: np.ndarray, strict: bool) -> np.ndarray:
    """For each query row, how many balls (centre, radius) contain it."""
    q = torch.as_tensor(np.asarray(query, np.float64))
    c = torch.as_tensor(np.asarray(centres, np.float64))
    r2 = torch.as_tensor(np.asarray(radii, np.float64)) ** 2
    out = []
    for block in q.split(_BLOCK):
        d = _sq_dists(block, c)
        inside = d < r2[None, :] if strict else d <= r2[None, :]
        out.append(inside.sum(1))
    return torch.cat(out).numpy()


def precision_recall(fake: np.ndarray, real: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall of feature sets ``fake`` and ``real`` (rows are samples)."""
    precision = float((_ball_counts(fake, real, knn_radii(real, k), strict=False) > 0).mean())
    recall = float((_ball_counts(real, fake, knn_radii(fake, k), strict=False) > 0).mean())
    return precision, recall


def density_coverage(fake: np.ndarray, real: np.ndarray, k: int = 5) -> tuple[float, float]:
    """Density and coverage of feature sets ``fake`` and ``real``."""
    radii = knn_radii(real, k)
    density = float(_ball_counts(fake, real, radii, strict=True).sum() / (k * len(fake)))
    q = torch.as_tensor(np.asarray(real, np.float64))
    c = torch.as_tensor(np.asarray(fake, np.float64))
    nearest = torch.cat([_sq_dists(block, c).min(1).values for block in q.split(_BLOCK)]).sqrt().numpy()
    coverage = float((nearest < radii).mean())
    return density, coverage


@register("pr", values=("precision", "recall"), min_samples=lambda k=3, **_: max(10, k + 1), sensible_samples=1000)
def pr(fake: Any, real: Any, *, extractor: Any = "auto", k: int = 3, **kwargs: Any) -> dict[str, Any]:
    """Precision and recall (Kynkaanniemi et al. 2019) of ``fake`` against ``real``."""
    f, r = feature_pair(fake, real, extractor, **kwargs)
    notes = check_sample_counts("pr", f.n, r.n, dim=f.dim, options={"k": k})
    p, rc = precision_recall(f.features, r.features, k)
    return make_result("pr", {"precision": p, "recall": rc}, f, r, notes=notes, k=k)


@register("dc", values=("density", "coverage"), min_samples=lambda k=5, **_: max(10, k + 1), sensible_samples=1000)
def dc(fake: Any, real: Any, *, extractor: Any = "auto", k: int = 5, **kwargs: Any) -> dict[str, Any]:
    """Density and coverage (Naeem et al. 2020) of ``fake`` against ``real``."""
    f, r = feature_pair(fake, real, extractor, **kwargs)
    notes = check_sample_counts("dc", f.n, r.n, dim=f.dim, options={"k": k})
    d, c = density_coverage(f.features, r.features, k)
    return make_result("dc", {"density": d, "coverage": c}, f, r, notes=notes, k=k)
