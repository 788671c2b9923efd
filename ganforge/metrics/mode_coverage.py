"""Mode coverage for samples of a Gaussian mixture (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018).

A sample is *high quality* when its Euclidean distance to the nearest mixture
centre is at most ``threshold * std``; a mode is *covered* when at least one
high-quality sample has it as its nearest centre.
"""

from __future__ import annotations

import numpy as np
import torch

from ganforge.metrics import register

__all__ = ["mode_coverage"]

_CHUNK_ELEMENTS = 1 << 22  # bounds the (chunk, K, D) difference array


def _as_array(x, what: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be numeric, got {type(x).__name__}") from exc


@register("mode_coverage", inputs="mixture", values=("modes_covered", "high_quality"))
def mode_coverage(samples: torch.Tensor | np.ndarray, centers, std: float, threshold: float = 3.0) -> dict:
    """Count covered modes and the high-quality fraction of ``samples`` (N, D) for ``centers`` (K, D).

    Returns ``modes_covered``, ``n_modes``, ``high_quality`` (fraction 0..1, 0.0 for
    no samples), ``n_samples`` and ``per_mode`` (high-quality counts per mode).
    Raises ValueError for NaN/Inf samples, mismatched shapes or a non-positive
    ``std``/``threshold``.
    """
    c = _as_array(centers, "centers")
    if c.ndim == 1:
        c = c[:, None]
    if c.ndim != 2 or c.shape[0] == 0:
        raise ValueError(f"centers must have shape (K, D) with K >= 1, got {c.shape}")
    x = _as_array(samples, "samples")
    if x.ndim == 1 and c.shape[1] == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != c.shape[1]:
        raise ValueError(f"samples must have shape (N, {c.shape[1]}) to match centers {c.shape}, got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("samples contain NaN or Inf values")
    if not np.isfinite(c).all():
        raise ValueError("centers contain NaN or Inf values")
    std, threshold = float(std), float(threshold)
    if not (np.isfinite(std) and std > 0):
        raise ValueError(f"std must be a positive number, got {std!r}")
    if not (np.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be a positive number, got {threshold!r}")

    k = c.shape[0]
    per_mode = np.zeros(k, dtype=np.int64)
    radius = threshold * std
    step = max(1, _CHUNK_ELEMENTS // (k * c.shape[1]))
    for i in range(0, len(x), step):
        chunk = x[i : i + step]
        dist = np.sqrt(((chunk[:, None, :] - c[None, :, :]) ** 2).sum(axis=-1))
        nearest = dist.argmin(axis=1)
        good = dist[np.arange(len(chunk)), nearest] <= radius
        per_mode += np.bincount(nearest[good], minlength=k)

    n = len(x)
    n_good = int(per_mode.sum())
    return {
        "modes_covered": int((per_mode > 0).sum()),
        "n_modes": int(k),
        "high_quality": n_good / n if n else 0.0,
        "n_samples": int(n),
        "per_mode": per_mode.tolist(),
    }
