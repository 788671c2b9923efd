"""Music data sets: phrases of piano rolls (``RollFormat``: 4 bars of 16 steps, 4 tracks, 64 pitches by
default) from the Bach chorales file or from a folder of MIDI files. A phrase is a float32 vector of
0/1 (the roll flattened), so the engine treats it as vector data; :meth:`RollDataset.rolls` gives it back
as ``(n, tracks, steps, pitches)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from ganforge.data.dataset import Dataset
from ganforge.data.images import find_images
from ganforge.data.shared import shared_file
from ganforge.errors import DataError

from .midi import read_midi
from .rolls import RollFormat, from_voices, phrases

__all__ = ["CHORALES", "MIDI_SUFFIXES", "RollDataset", "chorale_voices", "is_midi_source", "load_chorales",
           "load_midi_folder"]

CHORALES = "bach_chorales_16th.npz"
MIDI_SUFFIXES = (".mid", ".midi")


@dataclass
class RollDataset(Dataset):
    """Phrases as flattened 0/1 float32 vectors, and the :class:`RollFormat` that shapes them."""

    fmt: RollFormat = field(default_factory=RollFormat)
    track_names: tuple[str, ...] = ()
    programs: tuple[int, ...] = ()

    def rolls(self) -> np.ndarray:
        """The phrases as boolean ``(n, tracks, steps, pitches)``."""
        return self.data.numpy().reshape(len(self), *self.fmt.shape) > 0.5


def _dataset(rolls: np.ndarray, name: str, fmt: RollFormat, names: tuple[str, ...], programs: tuple[int, ...]
             ) -> RollDataset:
    if len(rolls) == 0:
        raise DataError(f"{name}: no phrase of {fmt.bars} bars with notes in it")
    data = torch.from_numpy(rolls.reshape(len(rolls), -1).astype(np.float32))
    return RollDataset(data, name, fmt=fmt, track_names=names, programs=programs)


def chorale_voices(split: str = "train", transposed: bool = True) -> list[tuple[np.ndarray, int, int]]:
    """The chorales of ``split`` (train, valid, test) as ``(voices (steps, 4) MIDI pitches, first downbeat,
    steps a bar)``, key-normalised (C major / A minor) when ``transposed``."""
    path = shared_file(CHORALES, "the Bach chorales data set")
    with np.load(path, allow_pickle=False) as d:
        pitch = d["pitch_c" if transposed else "pitch"]
        offsets, splits = d["offsets"], d["split"]
        pickup, bar = d["pickup_16th"], d["bar_16th"]
        wanted = list(d["split_names"]).index(split)
    return [(pitch[offsets[i]:offsets[i + 1]], int(pickup[i]), int(bar[i]))
            for i in range(len(splits)) if splits[i] == wanted]


def load_chorales(split: str = "train", n: int | None = None, seed: int = 0, fmt: RollFormat | None = None,
                  hop_bars: int = 2) -> RollDataset:
    """Four-voice (SATB) Bach chorales in 4/4, key-normalised, as 4-bar phrases starting on downbeats,
    one every ``hop_bars`` bars. The file is found by :func:`ganforge.data.shared.shared_file` (its licence
    keeps it out of the package)."""
    fmt = fmt or RollFormat()
    out = [phrases(from_voices(voices, fmt.lowest, fmt.pitches), fmt, start, hop_bars)
           for voices, start, bar in chorale_voices(split) if bar == fmt.steps_per_bar]
    name = "chorales" if split == "train" else f"chorales-{split}"
    return _dataset(np.concatenate(out), name, fmt, ("S", "A", "T", "B"), (52, 52, 52, 52)).subset(n, seed)


def is_midi_source(path: Path) -> bool:
    """A folder holding MIDI files."""
    return path.is_dir() and bool(find_images(path, MIDI_SUFFIXES))


def _choose_tracks(tracks: list, count: int, programs: Sequence[int] | None) -> list:
    """The first ``count`` tracks in file order, or for each of ``programs`` the first track playing it
    (None where the file has none)."""
    if programs is None:
        return list(tracks[:count])
    return [next((t for t in tracks if t[1] == p), None) for p in programs]


def load_midi_folder(path: str | Path, fmt: RollFormat | None = None, hop_bars: int = 2,
                     programs: Sequence[int] | None = None) -> RollDataset:
    """Every MIDI file under ``path``, quantised to the grid, cut into phrases from the start (bars assumed
    to be 4/4). Tracks: its first ``fmt.tracks`` instrument tracks in file order, or with ``programs`` (one
    General MIDI program per roll track) the first track of each program; missing ones are silent."""
    fmt = fmt or RollFormat()
    if programs is not None and len(programs) != fmt.tracks:
        raise DataError(f"programs names {len(programs)} instruments for {fmt.tracks} tracks")
    root = Path(path)
    files = find_images(root, MIDI_SUFFIXES)
    if not files:
        raise DataError(f"no MIDI files found in {root} (looked for {', '.join(MIDI_SUFFIXES)})")
    out, names = [], None
    for f in files:
        found = read_midi(f, fmt.steps_per_quarter)
        steps = found[0][2].shape[0]
        tracks = [t if t is not None else ("", 0, np.zeros((steps, 128), dtype=bool))
                  for t in _choose_tracks(found, fmt.tracks, programs)]
        roll = np.zeros((fmt.tracks, steps, fmt.pitches), dtype=bool)
        for t, (_, _, r) in enumerate(tracks):
            roll[t] = r[:, fmt.lowest:fmt.lowest + fmt.pitches]
        names = names or tuple(n or f"track {t}" for t, (n, _, _) in enumerate(tracks))
        programs = programs or tuple(p for _, p, _ in tracks)
        out.append(phrases(roll, fmt, 0, hop_bars))
    return _dataset(np.concatenate(out), root.resolve().name, fmt, names, tuple(programs))
