"""WAV files in and out (``scipy.io.wavfile``; ``soundfile`` for other formats when installed), resampling
and mix-down, and fitting clips to a model's length.

Audio inside ganforge is float32 in [-1, 1], mono, at one sample rate per data set.
"""

from __future__ import annotations

import warnings
from fractions import Fraction
from pathlib import Path
from typing import Literal

import numpy as np

from ganforge.errors import DataError
from ganforge.io import atomic_write

__all__ = ["AUDIO_SUFFIXES", "fit_length", "mixdown", "read_audio", "resample", "to_float", "write_wav"]

#: File types read as audio: WAV always; the others through the optional ``soundfile`` package.
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".aiff", ".aif")


def to_float(x: np.ndarray) -> np.ndarray:
    """Samples of any WAV dtype as float32 in [-1, 1] (integers scaled by their full range)."""
    if x.dtype.kind == "f":
        return x.astype(np.float32, copy=False)
    if x.dtype == np.uint8:  # 8-bit WAV is unsigned, centred on 128
        return (x.astype(np.float32) - 128.0) / 128.0
    if x.dtype.kind == "i":
        out = x.astype(np.float32)
        out *= np.float32(1.0 / -np.iinfo(x.dtype).min)  # exact for int16 (a power of two)
        return out
    raise DataError(f"unsupported sample type {x.dtype}")


def mixdown(x: np.ndarray) -> np.ndarray:
    """(samples,) or (samples, channels) -> mono (samples,), the mean of the channels."""
    return x if x.ndim == 1 else x.mean(axis=1, dtype=np.float32)


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Band-limited polyphase resampling (``scipy.signal.resample_poly``) along the first axis."""
    if rate_in == rate_out:
        return x
    from scipy.signal import resample_poly

    ratio = Fraction(int(rate_out), int(rate_in)).limit_denominator(1000)
    return resample_poly(x, ratio.numerator, ratio.denominator, axis=0).astype(np.float32)


def read_audio(path: str | Path, sample_rate: int | None = None, mono: bool = True) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 in [-1, 1]: ``(samples,)`` when ``mono`` (channels averaged), else
    ``(samples, channels)``; resampled to ``sample_rate`` when given. Returns the samples and their rate.

    An unreadable or empty file is a :class:`DataError` naming it.
    """
    path = Path(path)
    if path.suffix.lower() == ".wav":
        from scipy.io import wavfile

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", wavfile.WavFileWarning)  # unknown chunks (e.g. LIST) are skipped
                rate, x = wavfile.read(path)
        except (ValueError, OSError, EOFError) as exc:
            if isinstance(exc, (FileNotFoundError, IsADirectoryError)):
                raise DataError(f"{path}: no such file") from None
            raise DataError(f"{path}: not a readable WAV file ({exc})") from None
        x = to_float(np.asarray(x))
    else:
        try:
            import soundfile
        except ImportError:
            raise DataError(f"{path}: reading {path.suffix} files needs the soundfile package "
                            "(pip install 'ganforge[audio]'); WAV files need nothing extra") from None
        try:
            x, rate = soundfile.read(str(path), dtype="float32", always_2d=False)
        except Exception as exc:  # soundfile raises its own LibsndfileError
            raise DataError(f"{path}: not a readable audio file ({exc})") from None
    if x.size == 0:
        raise DataError(f"{path}: the file holds no samples")
    if not np.isfinite(x).all():
        raise DataError(f"{path}: the file holds NaN or infinite samples")
    if mono:
        x = mixdown(x)
    if sample_rate is not None:
        x, rate = resample(x, int(rate), int(sample_rate)), int(sample_rate)
    return np.ascontiguousarray(x, dtype=np.float32), int(rate)


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int,
              dtype: Literal["int16", "float32"] = "int16") -> Path:
    """Write mono ``(samples,)`` or ``(samples, channels)`` float audio in [-1, 1] as a WAV file, atomically.

    ``int16`` clips to [-1, 1] and rounds (``x * 32767``); ``float32`` keeps the values.
    """
    from scipy.io import wavfile

    x = np.asarray(audio, dtype=np.float32)
    if dtype == "int16":
        data = np.round(np.clip(x, -1.0, 1.0) * 32767.0).astype(np.int16)
    elif dtype == "float32":
        data = x
    else:
        raise ValueError(f"dtype must be int16 or float32, got {dtype!r}")
    return atomic_write(path, lambda f: wavfile.write(f, int(sample_rate), data))


def fit_length(clips: list[np.ndarray], length: int, names: list[str] | None = None) -> np.ndarray:
    """Clips of any length as one ``(N, length)`` array: shorter ones zero-padded around their centre
    (with one warning naming how many and the first), longer ones cut to their centre ``length`` samples."""
    out = np.zeros((len(clips), length), dtype=np.float32)
    short = []
    for i, clip in enumerate(clips):
        n = len(clip)
        if n >= length:
            start = (n - length) // 2
            out[i] = clip[start:start + length]
        else:
            start = (length - n) // 2
            out[i, start:start + n] = clip
            short.append(i)
    if short:
        first = names[short[0]] if names else f"clip {short[0]}"
        warnings.warn(f"{len(short)} of {len(clips)} clips are shorter than the model length of {length} samples "
                      f"(e.g. {first}, {len(clips[short[0]])} samples) and were zero-padded", stacklevel=2)
    return out

