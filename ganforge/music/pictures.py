"""Pictures of piano rolls: pitch upwards, time to the right, one colour per track, grey bar lines."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ganforge.plots import image_grid

from .rolls import RollFormat

__all__ = ["TRACK_COLOURS", "roll_grid"]

TRACK_COLOURS = np.array([(214, 39, 40), (44, 160, 44), (31, 119, 180), (148, 103, 189), (255, 127, 14),
                          (140, 86, 75), (227, 119, 194), (127, 127, 127)], dtype=np.float32)


def roll_image(roll: np.ndarray, fmt: RollFormat, scale: int = 3) -> np.ndarray:
    """One phrase ``(tracks, steps, pitches)`` as RGB uint8 ``(pitches * scale, steps * scale, 3)``."""
    tracks, steps, pitches = roll.shape
    img = np.full((pitches, steps, 3), 255.0, dtype=np.float32)
    img[:, ::fmt.steps_per_bar] = 200.0  # bar lines
    for t in range(tracks):
        on = roll[t].T[::-1]  # (pitches, steps), high pitches first
        img[on] = TRACK_COLOURS[t % len(TRACK_COLOURS)]
    img = img.repeat(scale, axis=0).repeat(scale, axis=1)
    return img.astype(np.uint8)


def roll_grid(rolls: np.ndarray, fmt: RollFormat, nrow: int | None = None) -> Image.Image:
    """Phrases ``(n, tracks, steps, pitches)`` as a grid of piano rolls."""
    return image_grid(np.stack([roll_image(r, fmt) for r in rolls]), nrow=nrow)
