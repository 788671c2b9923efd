"""Music metrics of piano-roll phrases (Dong et al. 2018, MuseGAN; Yang & Lerch 2020).

Each metric is a number per phrase ``(tracks, steps, pitches)``, so a set of phrases has a
distribution of it; :func:`overlapping_area` compares two such distributions (1 = the same, 0 =
disjoint) and :func:`compare` does it for every metric of two sets of phrases.

=================  ==================================================================================
empty_bars         share of (track, bar) cells with no note
pitch_classes      distinct pitch classes per non-empty bar of a track (0..12)
qualified_notes    share of notes at least ``min_steps`` steps long (2 = an eighth note on a 16th grid;
                   MuseGAN's 32nd-note rule on its 24-step beat); one-step fragments are what a GAN makes
polyphony          distinct pitches sounding at once, over the steps where any sounds
in_key             share of sounding (step, pitch) cells whose pitch class is in the key (C major / A minor,
                   the chorales' normalised key, unless ``key`` is given)
tonal_distance     distance between the tonal centroids (Harte et al. 2006) of two tracks' bars, averaged
                   over track pairs and bars where both sound
=================  ==================================================================================
"""

from __future__ import annotations

from itertools import combinations
from typing import Sequence

import numpy as np

from .rolls import RollFormat

__all__ = ["MUSIC_METRICS", "C_MAJOR", "compare", "empty_bars", "in_key", "music_features", "overlapping_area",
           "pitch_classes", "polyphony", "qualified_notes", "tonal_centroid", "tonal_distance"]

C_MAJOR = (0, 2, 4, 5, 7, 9, 11)
MUSIC_METRICS = ("empty_bars", "pitch_classes", "qualified_notes", "polyphony", "in_key", "tonal_distance")


def _bars(roll: np.ndarray, fmt: RollFormat) -> np.ndarray:
    """(tracks, steps, pitches) -> (tracks, bars, steps_per_bar, pitches)."""
    t, s, p = roll.shape
    return roll.reshape(t, s // fmt.steps_per_bar, fmt.steps_per_bar, p)


def _chroma(cells: np.ndarray, lowest: int) -> np.ndarray:
    """Note counts per pitch class over the last axis (pitches) -> (..., 12)."""
    p = cells.shape[-1]
    classes = (np.arange(p) + lowest) % 12
    out = np.zeros((*cells.shape[:-1], 12))
    for c in range(12):
        out[..., c] = cells[..., classes == c].sum(-1)
    return out


def empty_bars(roll: np.ndarray, fmt: RollFormat) -> float:
    return float((~_bars(roll, fmt).any(axis=(2, 3))).mean())


def pitch_classes(roll: np.ndarray, fmt: RollFormat) -> float:
    used = _chroma(_bars(roll, fmt).any(axis=2), fmt.lowest) > 0  # (tracks, bars, 12)
    counts = used.sum(-1)
    sounding = counts > 0
    return float(counts[sounding].mean()) if sounding.any() else float("nan")


def _note_lengths(roll: np.ndarray) -> np.ndarray:
    """Lengths in steps of every run of consecutive active cells along time, over all tracks and pitches."""
    x = np.moveaxis(roll, 1, -1).reshape(-1, roll.shape[1]).astype(np.int8)
    edges = np.diff(np.pad(x, ((0, 0), (1, 1))), axis=1)
    starts, ends = np.nonzero(edges == 1), np.nonzero(edges == -1)
    return ends[1] - starts[1]  # row-major order pairs each start with its end


def qualified_notes(roll: np.ndarray, fmt: RollFormat, min_steps: int = 2) -> float:
    lengths = _note_lengths(roll)
    return float((lengths >= min_steps).mean()) if len(lengths) else float("nan")


def polyphony(roll: np.ndarray, fmt: RollFormat) -> float:
    pitches = roll.any(axis=0).sum(-1)  # distinct pitches per step, all tracks
    return float(pitches[pitches > 0].mean()) if (pitches > 0).any() else float("nan")


def in_key(roll: np.ndarray, fmt: RollFormat, key: Sequence[int] = C_MAJOR) -> float:
    counts = _chroma(roll, fmt.lowest).sum(axis=(0, 1))
    total = counts.sum()
    return float(counts[list(key)].sum() / total) if total else float("nan")


def tonal_centroid(chroma: np.ndarray) -> np.ndarray:
    """Harte, Sandler & Gasser (2006): chroma (..., 12) -> 6-D points on circles of fifths, minor and major
    thirds (radii 1, 1, 0.5); a chroma of zeros gives NaN."""
    pc = np.arange(12)
    phi = np.stack([np.sin(pc * 7 * np.pi / 6), np.cos(pc * 7 * np.pi / 6), np.sin(pc * 3 * np.pi / 2),
                    np.cos(pc * 3 * np.pi / 2), 0.5 * np.sin(pc * 2 * np.pi / 3), 0.5 * np.cos(pc * 2 * np.pi / 3)])
    total = chroma.sum(-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (chroma / total) @ phi.T


def tonal_distance(roll: np.ndarray, fmt: RollFormat) -> float:
    centroids = tonal_centroid(_chroma(_bars(roll, fmt).sum(axis=2), fmt.lowest))  # (tracks, bars, 6)
    dists = [np.linalg.norm(centroids[a] - centroids[b], axis=-1) for a, b in combinations(range(len(roll)), 2)]
    d = np.concatenate(dists) if dists else np.array([])
    d = d[np.isfinite(d)]
    return float(d.mean()) if len(d) else float("nan")


_FUNCTIONS = {"empty_bars": empty_bars, "pitch_classes": pitch_classes, "qualified_notes": qualified_notes,
              "polyphony": polyphony, "in_key": in_key, "tonal_distance": tonal_distance}


def music_features(rolls: np.ndarray, fmt: RollFormat) -> dict[str, np.ndarray]:
    """Every metric of every phrase of ``rolls`` ``(n, tracks, steps, pitches)`` (or flattened ``(n, size)``)."""
    rolls = np.asarray(rolls).reshape(len(rolls), *fmt.shape) > 0.5
    return {name: np.array([fn(r, fmt) for r in rolls]) for name, fn in _FUNCTIONS.items()}


def overlapping_area(a: np.ndarray, b: np.ndarray, grid: int = 512) -> float:
    """The area shared by the densities of two samples (Gaussian kernel density estimates, Scott's bandwidth;
    Yang & Lerch 2020): 1 for identical distributions, 0 for disjoint ones. NaN values are left out."""
    from scipy.stats import gaussian_kde

    a, b = np.asarray(a, float), np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    lo, hi = min(a.min(), b.min()), max(a.max(), b.max())
    spread = max(hi - lo, 1e-3)
    xs = np.linspace(lo - spread, hi + spread, grid)

    def density(v: np.ndarray) -> np.ndarray:
        if np.ptp(v) < 1e-9:  # all one value: a narrow bump there
            return np.exp(-0.5 * ((xs - v[0]) / (spread * 0.01)) ** 2) / (spread * 0.01 * np.sqrt(2 * np.pi))
        return gaussian_kde(v)(xs)

    return float(np.trapezoid(np.minimum(density(a), density(b)), xs))


def _mean(v: np.ndarray) -> float:
    v = v[np.isfinite(v)]
    return float(v.mean()) if len(v) else float("nan")


def compare(fake: np.ndarray, real: np.ndarray, fmt: RollFormat) -> dict[str, dict[str, float]]:
    """Per metric: the means of both sets (phrases where it is undefined left out), the absolute difference
    of the means, and the overlapping area."""
    f, r = music_features(fake, fmt), music_features(real, fmt)
    return {name: {"fake": _mean(f[name]), "real": _mean(r[name]), "distance": abs(_mean(f[name]) - _mean(r[name])),
                   "overlap": overlapping_area(f[name], r[name])} for name in MUSIC_METRICS}
