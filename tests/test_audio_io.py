"""WAV files in and out, resampling and mix-down, audio folders and arrays as data sets."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.io import wavfile

from ganforge.audio.data import AudioDataset, load_audio_folder
from ganforge.audio.io import fit_length, read_audio, resample, write_wav
from ganforge.data import load_dataset
from ganforge.errors import DataError


def tone(n=16000, rate=16000, freq=440.0, level=0.5):
    return (level * np.sin(2 * np.pi * freq * np.arange(n) / rate)).astype(np.float32)


def test_wav_round_trip_int16_is_within_one_step_and_float32_is_exact(tmp_path):
    x = tone()
    write_wav(tmp_path / "a.wav", x, 16000)
    rate, raw = wavfile.read(tmp_path / "a.wav")
    assert rate == 16000 and raw.dtype == np.int16
    back, rate = read_audio(tmp_path / "a.wav")
    assert rate == 16000 and back.dtype == np.float32
    assert np.abs(back - x).max() <= 1.0 / 32767 + 1e-6
    write_wav(tmp_path / "b.wav", x, 16000, dtype="float32")
    back, _ = read_audio(tmp_path / "b.wav")
    assert np.array_equal(back, x)


def test_int16_write_clips_out_of_range_values(tmp_path):
    write_wav(tmp_path / "loud.wav", np.array([2.0, -3.0, 0.0], np.float32), 8000)
    assert wavfile.read(tmp_path / "loud.wav")[1].tolist() == [32767, -32767, 0]


def test_stereo_is_mixed_down_and_resampled(tmp_path):
    left, right = tone(44100, 44100, 440, 0.4), np.zeros(44100, np.float32)
    wavfile.write(tmp_path / "st.wav", 44100, np.stack([left, right], 1))
    x, rate = read_audio(tmp_path / "st.wav", sample_rate=16000)
    assert rate == 16000 and x.shape == (16000,)
    # the mix is the mean of the channels; resampling keeps a 440 Hz tone's amplitude (0.2)
    assert abs(np.abs(x[2000:-2000]).max() - 0.2) < 0.01
    spectrum = np.abs(np.fft.rfft(x))
    assert abs(np.argmax(spectrum) * 16000 / len(x) - 440) <= 1
    assert resample(x, 16000, 16000) is x


def test_unreadable_and_empty_wav_files_are_data_errors_naming_the_file(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav file at all")
    with pytest.raises(DataError, match="bad.wav: not a readable WAV"):
        read_audio(bad)
    wavfile.write(tmp_path / "empty.wav", 16000, np.zeros(0, np.int16))
    with pytest.raises(DataError, match="empty.wav: the file holds no samples"):
        read_audio(tmp_path / "empty.wav")
    with pytest.raises(DataError, match="no such file"):
        read_audio(tmp_path / "missing.wav")


def test_short_clips_are_padded_around_the_centre_with_a_warning_and_long_ones_cut():
    with pytest.warns(UserWarning, match="1 of 2 clips are shorter than the model length of 8 samples"):
        out = fit_length([np.ones(4, np.float32), np.arange(12, dtype=np.float32)], 8, ["a.wav", "b.wav"])
    assert out[0].tolist() == [0, 0, 1, 1, 1, 1, 0, 0]
    assert out[1].tolist() == list(range(2, 10))


def test_a_folder_of_wav_files_with_class_sub_folders_is_a_labelled_audio_data_set(tmp_path):
    for label, freq in (("high", 880), ("low", 220)):
        (tmp_path / "clips" / label).mkdir(parents=True)
        for i in range(2):
            wavfile.write(tmp_path / "clips" / label / f"{i}.wav", 8000, (tone(8000, 8000, freq) * 32767).astype(np.int16))
    with pytest.warns(UserWarning, match="zero-padded"):  # 1 s at 16 kHz is shorter than 16,384 samples
        ds = load_dataset(str(tmp_path / "clips"))
    assert isinstance(ds, AudioDataset) and ds.sample_shape == (16384,) and ds.sample_rate == 16000
    assert ds.labels.tolist() == [0, 0, 1, 1] and ds.class_names == ("high", "low")
    with pytest.raises(DataError, match="image_size and channels apply to images only"), pytest.warns(UserWarning):
        load_dataset(str(tmp_path / "clips"), image_size=8)
    (tmp_path / "clips" / "low" / "broken.wav").write_bytes(b"RIFF....")
    with pytest.raises(DataError, match="broken.wav"):
        load_audio_folder(tmp_path / "clips")


def test_an_npz_with_an_audio_array_is_an_audio_data_set(tmp_path):
    audio = (np.stack([tone(16384), -tone(16384)]) * 32767).astype(np.int16)
    np.savez(tmp_path / "a.npz", audio=audio, label=np.array([0, 1]))
    ds = load_dataset(str(tmp_path / "a.npz"))
    assert isinstance(ds, AudioDataset) and ds.labels.tolist() == [0, 1]
    assert np.allclose(ds.data.numpy(), audio / 32768.0)
