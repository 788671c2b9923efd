"""Metrics of sound that need no feature extractor: levels of audio clips and the music metrics of
piano-roll phrases. (Inception score, Frechet distance and conditional accuracy of audio come from the
shared metrics with ``extractor="spoken_digits"``.)"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ganforge.metrics import register
from ganforge.music.metrics import MUSIC_METRICS, compare
from ganforge.music.rolls import RollFormat

__all__ = ["audio_levels", "music"]


def _array(x: Any) -> np.ndarray:
    return x.detach().float().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, dtype=np.float32)


@register("audio_levels", inputs="custom", values=("silent", "clipped"))
def audio_levels(clips: Any, *, silence_db: float = -50.0, clip_level: float = 0.99, clip_share: float = 0.001
                 ) -> dict[str, Any]:
    """Shares of clips ``(n, samples)`` (floats in [-1, 1]) that are silent (RMS below ``silence_db`` dBFS) and
    clipped (more than ``clip_share`` of their samples at ``|x| >= clip_level``): the two ways audio GANs fail
    without anyone listening."""
    x = _array(clips)
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"clips must have shape (n, samples) with n >= 1; got {x.shape}")
    rms_db = 10 * np.log10(np.mean(x.astype(np.float64) ** 2, axis=1) + 1e-20)
    clipped = (np.abs(x) >= clip_level).mean(axis=1) > clip_share
    return {"metric": "audio_levels", "values": {"silent": float((rms_db < silence_db).mean()),
                                                  "clipped": float(clipped.mean())},
            "n_fake": int(len(x)), "options": {"silence_db": silence_db, "clip_level": clip_level,
                                               "clip_share": clip_share}}


@register("music", inputs="custom",
          values=tuple(f"{m}{s}" for m in MUSIC_METRICS for s in ("", "_distance", "_overlap")))
def music(fake: Any, real: Any, fmt: RollFormat | None = None) -> dict[str, Any]:
    """The music metrics of :mod:`ganforge.music.metrics` for generated phrases against real ones (rolls
    ``(n, tracks, steps, pitches)`` or flattened in ``fmt``): each metric's mean over the generated phrases,
    its distance to the real mean, and the overlapping area of the two distributions."""
    fmt = fmt or RollFormat()
    f, r = _array(fake), _array(real)
    table = compare(f, r, fmt)
    values = {}
    for name, row in table.items():
        values.update({name: row["fake"], f"{name}_distance": row["distance"], f"{name}_overlap": row["overlap"]})
    return {"metric": "music", "values": values, "real": {k: v["real"] for k, v in table.items()},
            "n_fake": int(len(f)), "n_real": int(len(r)), "format": fmt.to_dict()}
