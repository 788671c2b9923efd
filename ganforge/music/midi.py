"""MIDI files to piano rolls and back, with ``mido`` (the optional extra ``ganforge[music]``).

Reading quantises note starts and ends to ``steps_per_quarter`` steps a quarter note; each track holding
notes or setting an instrument becomes one roll track, in file order (see
:func:`ganforge.music.data.load_midi_folder` for choosing tracks by program). Writing
makes one track per roll track, each run of consecutive active steps one note, so a roll written and
read back is the same roll.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ganforge.errors import DataError
from ganforge.io import atomic_write

__all__ = ["MidiTrack", "read_midi", "write_midi"]

MidiTrack = tuple[str, int, np.ndarray]  # name, program, roll (steps, 128) bool


def _mido():
    try:
        import mido
    except ImportError:
        raise DataError("reading and writing MIDI files needs the mido package: pip install 'ganforge[music]'") from None
    return mido


def read_midi(path: str | Path, steps_per_quarter: int = 4) -> list[MidiTrack]:
    """The tracks of a MIDI file that hold notes or set an instrument: ``(name, program, roll (steps, 128))``.

    An unreadable file, or one without a single note, is a :class:`DataError` naming it.
    """
    mido = _mido()
    path = Path(path)
    try:
        midi = mido.MidiFile(str(path))
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, EOFError, ValueError, KeyError, IndexError) as exc:
        raise DataError(f"{path}: not a readable MIDI file ({exc})") from None
    if midi.type == 2:
        raise DataError(f"{path}: MIDI type 2 (independent sequences) is not supported")
    ticks = midi.ticks_per_beat
    found, end = [], 0
    for track in midi.tracks:
        name, program, now, on, notes = "", None, 0, {}, []
        for msg in track:
            now += msg.time
            if msg.type == "track_name":
                name = msg.name
            elif msg.type == "program_change":
                program = msg.program
            elif msg.type == "note_on" and msg.velocity > 0:
                on.setdefault((msg.channel, msg.note), []).append(now)
            elif msg.type in ("note_off", "note_on") and on.get((msg.channel, msg.note)):
                notes.append((on[(msg.channel, msg.note)].pop(0), now, msg.note))
        end = max(end, now)  # a track's end (its end-of-track event) may leave silence after the last note
        if notes or program is not None:  # an instrument's track, even if silent (a meta track has no program)
            found.append((name, program or 0, notes))
    if not any(notes for _, _, notes in found):
        raise DataError(f"{path}: the file holds no notes")
    steps = int(round(end * steps_per_quarter / ticks))
    out = []
    for name, program, notes in found:
        roll = np.zeros((max(steps, 1), 128), dtype=bool)
        for start, stop, note in notes:
            a = int(round(start * steps_per_quarter / ticks))
            b = max(a + 1, int(round(stop * steps_per_quarter / ticks)))  # a note shorter than a step keeps one
            roll[a:b, note] = True
        out.append((name, program, roll))
    return out


def write_midi(path: str | Path, rolls: np.ndarray, lowest: int = 0, steps_per_quarter: int = 4,
               programs: Sequence[int] | None = None, names: Sequence[str] | None = None,
               tempo_bpm: float = 120.0, velocity: int = 80) -> Path:
    """Write a roll ``(tracks, steps, pitches)`` (pitch ``i`` is MIDI note ``lowest + i``) as a type-1 MIDI
    file, atomically: one track and channel per roll track, 480 ticks a quarter note."""
    mido = _mido()
    rolls = np.asarray(rolls, dtype=bool)
    ticks, per_step = 480, 480 // steps_per_quarter
    midi = mido.MidiFile(type=1, ticks_per_beat=ticks)
    meta = mido.MidiTrack()
    meta.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo_bpm), time=0))
    meta.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    midi.tracks.append(meta)
    for t, roll in enumerate(rolls):
        channel = t if t < 9 else t + 1  # channel 9 is percussion in General MIDI
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=names[t] if names else f"track {t}", time=0))
        track.append(mido.Message("program_change", channel=channel % 16,
                                  program=int(programs[t]) if programs else 0, time=0))
        padded = np.pad(roll, ((1, 1), (0, 0)))
        change = np.diff(padded.astype(np.int8), axis=0)  # +1: a note starts at this step, -1: ends
        events = sorted((int(s) * per_step, int(d > 0), int(p)) for s, p in zip(*np.nonzero(change))
                        for d in [change[s, p]])  # offs before ons at the same tick
        now = 0
        for tick, is_on, p in events:
            track.append(mido.Message("note_on", channel=channel % 16, note=lowest + p,
                                      velocity=velocity if is_on else 0, time=tick - now))
            now = tick
        track.append(mido.MetaMessage("end_of_track", time=len(roll) * per_step - now))  # keeps trailing rests
        midi.tracks.append(track)
    return atomic_write(path, lambda f: midi.save(file=f))
