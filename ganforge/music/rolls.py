"""Piano rolls: boolean ``(tracks, steps, pitches)`` arrays on a fixed grid (``steps_per_bar`` steps a bar),
pitches counted from ``lowest``; conversion from per-voice pitch sequences and cutting into phrases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RollFormat", "from_voices", "phrases", "to_voices"]


@dataclass(frozen=True)
class RollFormat:
    """The shape of the phrases a music GAN makes: ``tracks`` x (``bars`` * ``steps_per_bar``) x ``pitches``,
    MIDI pitches ``lowest`` .. ``lowest + pitches - 1``, ``steps_per_quarter`` steps a quarter note."""

    tracks: int = 4
    bars: int = 4
    steps_per_bar: int = 16
    pitches: int = 64
    lowest: int = 24
    steps_per_quarter: int = 4

    @property
    def steps(self) -> int:
        return self.bars * self.steps_per_bar

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.tracks, self.steps, self.pitches)

    @property
    def size(self) -> int:
        return self.tracks * self.steps * self.pitches

    def to_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("tracks", "bars", "steps_per_bar", "pitches", "lowest",
                                              "steps_per_quarter")}


def from_voices(pitch: np.ndarray, lowest: int, pitches: int) -> np.ndarray:
    """Monophonic voices ``(steps, tracks)`` of MIDI pitches (-1 = rest) -> a roll ``(tracks, steps, pitches)``;
    pitches outside the range are dropped."""
    steps, tracks = pitch.shape
    roll = np.zeros((tracks, steps, pitches), dtype=bool)
    p = pitch.astype(np.int64) - lowest
    t, v = np.nonzero((pitch >= 0) & (p >= 0) & (p < pitches))
    roll[v, t, p[t, v]] = True
    return roll


def to_voices(roll: np.ndarray, lowest: int) -> np.ndarray:
    """A roll -> ``(steps, tracks)`` of the highest sounding pitch per track and step (-1 = none)."""
    sounding = roll.any(axis=2)
    top = roll.shape[2] - 1 - np.argmax(roll[:, :, ::-1], axis=2)
    return np.where(sounding, top + lowest, -1).T


def phrases(roll: np.ndarray, fmt: RollFormat, start: int = 0, hop_bars: int = 1) -> np.ndarray:
    """Phrases of ``fmt.bars`` bars cut from a long roll ``(tracks, steps, pitches)`` from step ``start`` (a
    downbeat), one every ``hop_bars`` bars; phrases with no note at all are dropped. ``(n, *fmt.shape)``."""
    length, hop = fmt.steps, hop_bars * fmt.steps_per_bar
    out = [roll[:, s:s + length] for s in range(start, roll.shape[1] - length + 1, hop)]
    out = [p for p in out if p.any()]
    return np.stack(out) if out else np.zeros((0, *roll.shape[:1], length, roll.shape[2]), dtype=bool)
