"""MIDI files and piano rolls, the chorales as phrases, and each music metric on hand-made rolls."""

from __future__ import annotations

import math
import mido
import numpy as np
import pytest

from ganforge.data import load_dataset
from ganforge.data.shared import shared_file
from ganforge.errors import DataError
from ganforge.music.data import RollDataset, chorale_voices, load_chorales, load_midi_folder
from ganforge.music.metrics import (compare, empty_bars, in_key, music_features, overlapping_area, pitch_classes,
                                    polyphony, qualified_notes, tonal_centroid, tonal_distance)
from ganforge.music.midi import read_midi, write_midi
from ganforge.music.rolls import RollFormat, from_voices, phrases, to_voices

FMT = RollFormat(tracks=2, bars=2, steps_per_bar=4, pitches=24, lowest=60)  # C4..B5, 2 bars of 4 steps


def roll(*notes):
    """A roll in FMT from (track, start, length, midi pitch) notes."""
    r = np.zeros(FMT.shape, dtype=bool)
    for t, start, length, pitch in notes:
        r[t, start:start + length, pitch - FMT.lowest] = True
    return r


def test_a_roll_written_to_midi_and_read_back_is_the_same_roll(tmp_path):
    rng = np.random.default_rng(0)
    rolls = rng.random((3, 40, 128)) < 0.05
    rolls[:, -3:] = False  # trailing rests survive too
    write_midi(tmp_path / "r.mid", rolls, programs=[0, 40, 52], names=["a", "b", "c"])
    tracks = read_midi(tmp_path / "r.mid")
    assert [(n, p) for n, p, _ in tracks] == [("a", 0), ("b", 40), ("c", 52)]
    assert np.array_equal(np.stack([r for _, _, r in tracks]), rolls)


def test_the_example_chorale_file_reads_as_the_chorales_array():
    try:
        example = shared_file("example_bwv1.6.mid", "the example chorale")
    except DataError:
        pytest.skip("shared/data/example_bwv1.6.mid not found")
    tracks = read_midi(example)
    assert [n for n, _, _ in tracks] == ["S", "A", "T", "B"]
    voices = to_voices(np.stack([r for _, _, r in tracks]), 0)
    d = np.load(example.parent / "bach_chorales_16th.npz")
    i = list(d["bwv"]).index("bwv1.6")
    expected = d["pitch"][d["offsets"][i]:d["offsets"][i + 1]]
    assert np.array_equal(voices[: len(expected)], expected)


def test_unreadable_midi_and_midi_without_notes_are_data_errors(tmp_path):
    (tmp_path / "bad.mid").write_bytes(b"MThd garbage")
    with pytest.raises(DataError, match="bad.mid: not a readable MIDI file"):
        read_midi(tmp_path / "bad.mid")
    empty = mido.MidiFile()
    empty.tracks.append(mido.MidiTrack([mido.MetaMessage("track_name", name="silence")]))
    empty.save(tmp_path / "empty.mid")
    with pytest.raises(DataError, match="empty.mid: the file holds no notes"):
        read_midi(tmp_path / "empty.mid")
    with pytest.raises(DataError, match="no such file"):
        read_midi(tmp_path / "missing.mid")


def test_a_folder_of_midi_files_becomes_phrases_and_a_bad_file_is_named(tmp_path):
    folder = tmp_path / "songs"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for k in range(2):
        write_midi(folder / f"{k}.mid", rng.random((2, 16 * 8, 128)) < 0.03)
    ds = load_dataset(str(folder))
    assert isinstance(ds, RollDataset) and ds.sample_shape == (RollFormat().size,)
    assert len(ds) == 2 * 3  # 8 bars, 4-bar phrases every 2 bars: 3 per file
    by_program = load_midi_folder(folder, RollFormat(tracks=2), programs=[0, 33])  # no bass (33) in the files
    rolls = by_program.rolls()
    assert rolls[:, 0].any() and not rolls[:, 1].any() and by_program.programs == (0, 33)
    (folder / "x.mid").write_bytes(b"nope")
    with pytest.raises(DataError, match="x.mid"):
        load_dataset(str(folder))


def test_voices_and_rolls_convert_both_ways_and_phrases_start_on_bars():
    voices = np.array([[60, 48], [62, -1], [62, 50], [-1, 50]])
    r = from_voices(voices, 40, 40)
    assert r.shape == (2, 4, 40) and r.sum() == 6 and r[0, 1, 22] and not r[1, 1].any()
    assert np.array_equal(to_voices(r, 40), voices)
    fmt = RollFormat(tracks=2, bars=1, steps_per_bar=2, pitches=40, lowest=40)
    assert phrases(r, fmt, start=1, hop_bars=1).shape == (1, 2, 2, 40)  # steps 1-2; 3 would overrun


def test_the_chorales_load_as_four_voice_phrases_of_four_bars():
    try:
        chorale_voices("test")
    except DataError:
        pytest.skip("bach_chorales_16th.npz not found")
    ds = load_chorales("test")
    rolls = ds.rolls()
    assert rolls.shape[1:] == (4, 64, 64) and ds.track_names == ("S", "A", "T", "B")
    assert 0.9 < polyphony(rolls[0], ds.fmt) <= 4


def test_empty_bars_counts_track_bars_without_a_note():
    r = roll((0, 0, 4, 60))  # track 0 bar 0 only
    assert empty_bars(r, FMT) == 3 / 4
    assert empty_bars(np.zeros(FMT.shape, bool), FMT) == 1.0


def test_pitch_classes_per_bar_count_octaves_once():
    r = roll((0, 0, 1, 60), (0, 1, 1, 72), (0, 2, 1, 64), (1, 4, 4, 67))  # C, C an octave up, E; then G
    assert pitch_classes(r, FMT) == (2 + 1) / 2  # over the two bars that sound
    assert math.isnan(pitch_classes(np.zeros(FMT.shape, bool), FMT))


def test_qualified_notes_are_those_of_at_least_min_steps():
    r = roll((0, 0, 1, 60), (0, 2, 3, 62), (1, 0, 8, 48 + 12), (1, 0, 1, 70))
    assert qualified_notes(r, FMT, min_steps=2) == 2 / 4
    assert qualified_notes(r, FMT, min_steps=1) == 1.0


def test_polyphony_is_the_mean_number_of_pitches_sounding_where_any_sounds():
    r = roll((0, 0, 2, 60), (1, 0, 2, 64), (1, 0, 1, 67), (0, 4, 1, 60), (1, 4, 1, 60))  # unison counts once
    assert polyphony(r, FMT) == (3 + 2 + 1) / 3


def test_in_key_is_the_share_of_sounding_cells_in_the_scale():
    r = roll((0, 0, 3, 60), (1, 0, 1, 61))  # C three steps, C# one
    assert in_key(r, FMT) == 3 / 4
    assert in_key(r, FMT, key=(1,)) == 1 / 4


def test_tonal_distance_is_zero_for_unison_and_largest_for_a_tritone_like_clash():
    same = roll((0, 0, 4, 60), (1, 0, 4, 72))
    assert tonal_distance(same, FMT) == pytest.approx(0.0)
    fifth, tritone = roll((0, 0, 4, 60), (1, 0, 4, 67)), roll((0, 0, 4, 60), (1, 0, 4, 66))
    assert 0 < tonal_distance(fifth, FMT) < tonal_distance(tritone, FMT)
    c, g = np.eye(12)[0], np.eye(12)[7]
    assert np.linalg.norm(tonal_centroid(c) - tonal_centroid(g)) == pytest.approx(
        tonal_distance(fifth, FMT))  # one bar where both sound
    assert np.linalg.norm(tonal_centroid(c)) == pytest.approx(math.sqrt(1 + 1 + 0.25))


def test_overlapping_area_is_one_for_the_same_sample_and_near_zero_for_distant_ones():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, 500)
    assert overlapping_area(a, a) == pytest.approx(1.0, abs=1e-3)
    assert overlapping_area(a, rng.normal(0, 1, 500)) > 0.85
    assert overlapping_area(a, a + 20) < 1e-3
    assert overlapping_area(np.zeros(10), np.zeros(10)) == pytest.approx(1.0, abs=1e-3)


def test_compare_and_music_features_cover_every_metric():
    rolls = np.stack([roll((0, 0, 4, 60), (1, 0, 8, 64)), roll((0, 0, 2, 62), (1, 4, 4, 65))])
    feats = music_features(rolls, FMT)
    assert feats["empty_bars"].tolist() == [1 / 4, 2 / 4]
    table = compare(rolls, rolls, FMT)
    assert all(row["distance"] == 0 for row in table.values())
