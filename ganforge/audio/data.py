"""Audio data sets: folders of sound files (sub-folders are classes), ``.npz`` arrays of clips, and the
spoken-digits set. Every clip becomes mono float32 at the data set's sample rate, fitted to the model
length (shorter clips zero-padded with a warning, longer ones cut to their centre).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ganforge.data.dataset import Dataset
from ganforge.data.images import find_images, folder_labels
from ganforge.data.shared import shared_file
from ganforge.errors import DataError

from .io import AUDIO_SUFFIXES, fit_length, read_audio, resample, to_float

__all__ = ["AudioDataset", "SAMPLE_RATE", "CLIP_LENGTH", "SPOKEN_DIGITS", "is_audio_source", "load_audio_folder",
           "load_audio_npz", "load_spoken_digits"]

SAMPLE_RATE, CLIP_LENGTH = 16_000, 16_384  # WaveGAN's 1.024 s at 16 kHz
SPOKEN_DIGITS = "spoken_digits_16k.npz"
DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass
class AudioDataset(Dataset):
    """Mono clips ``(N, samples)`` float32 in [-1, 1] (a vector data set) and their sample rate."""

    sample_rate: int = SAMPLE_RATE
    class_names: tuple[str, ...] = ()


def is_audio_source(path: Path) -> bool:
    """A folder holding sound files, or a ``.npz`` with an ``audio`` array."""
    if path.is_dir():
        return bool(find_images(path, AUDIO_SUFFIXES))
    if path.suffix.lower() == ".npz" and path.is_file():
        try:
            with np.load(path, allow_pickle=False) as npz:
                return "audio" in npz.files
        except (OSError, ValueError):
            return False
    return False


def load_audio_folder(path: str | Path, sample_rate: int = SAMPLE_RATE, length: int = CLIP_LENGTH) -> AudioDataset:
    """Every sound file under ``path`` (any rate, mono or stereo), labelled by first-level sub-folder."""
    root = Path(path)
    files = find_images(root, AUDIO_SUFFIXES)
    if not files:
        raise DataError(f"no sound files found in {root} (looked for {', '.join(AUDIO_SUFFIXES)})")
    clips = [read_audio(f, sample_rate)[0] for f in files]
    data = fit_length(clips, length, [f.relative_to(root).as_posix() for f in files])
    labels = folder_labels(root, files)
    names = tuple(sorted({f.relative_to(root).parts[0] for f in files})) if labels is not None else ()
    return AudioDataset(torch.from_numpy(data), root.resolve().name, labels, sample_rate=sample_rate,
                        class_names=names)


def load_audio_npz(path: str | Path, sample_rate: int = SAMPLE_RATE, length: int = CLIP_LENGTH,
                   split: int | None = None) -> AudioDataset:
    """An ``.npz`` with ``audio`` ``(N, samples)`` (integers at full scale or floats in [-1, 1]), optional
    ``label``/``labels``, ``sample_rate`` and ``split`` (with ``split``, only the clips of that split)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files if k in ("audio", "label", "labels", "sample_rate", "split",
                                                             "digits")}
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not a readable .npz file ({exc})") from None
    if "audio" not in arrays:
        raise DataError(f"{path}: no 'audio' array")
    audio = arrays["audio"]
    if audio.ndim != 2 or audio.dtype.kind not in "iuf":
        raise DataError(f"{path}: 'audio' must be numbers of shape (clips, samples); got {audio.dtype} {audio.shape}")
    keep = np.ones(len(audio), bool) if split is None else arrays.get("split", np.zeros(len(audio))) == split
    if not keep.any():
        raise DataError(f"{path}: no clips in split {split}")
    x = to_float(audio[keep])
    rate = int(arrays["sample_rate"]) if "sample_rate" in arrays else sample_rate
    x = resample(x.T, rate, sample_rate).T if rate != sample_rate else x
    if x.shape[1] != length:
        x = fit_length(list(x), length)
    y = arrays.get("label", arrays.get("labels"))
    labels = None if y is None else torch.from_numpy(np.asarray(y)[keep].astype(np.int64))
    names = tuple(str(s) for s in arrays["digits"]) if "digits" in arrays else ()
    return AudioDataset(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), path.stem, labels,
                        sample_rate=sample_rate, class_names=names)


def load_spoken_digits(split: str = "train", n: int | None = None, seed: int = 0) -> AudioDataset:
    """The spoken digits "zero".."nine" (16 kHz, 16,384 samples, labelled), ``train`` (2,000 clips, 40 voices)
    or ``test`` (500 clips, 10 held-out voices); the file is found by :func:`ganforge.data.shared.shared_file`."""
    path = shared_file(SPOKEN_DIGITS, "the spoken-digits data set")
    ds = load_audio_npz(path, split={"train": 0, "test": 1}[split])
    ds.name = "spoken-digits" if split == "train" else f"spoken-digits-{split}"
    return ds.subset(n, seed)
