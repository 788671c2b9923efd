"""Data sets for ganforge: image folders, array files, built-ins and synthetic mixtures.

Every bad input raises :class:`DataError` with a message naming the file, key or value.
"""

from __future__ import annotations

import os
from pathlib import Path

from ganforge.errors import DataError
from ganforge.io import uint8_images as to_uint8_images

from .builtin import BUILTIN_DATASETS, DEFAULT_MIXTURE_SAMPLES
from .dataset import Dataset
from .images import (
    check_image_options,
    convert_channels,
    find_images,
    load_array,
    load_image_folder,
    resize_images,
    samples_folder,
)
from .labels import read_label_file
from .mixtures import Mixture, gaussian1d, grid25, ring8

__all__ = [
    "BUILTIN_DATASETS",
    "DEFAULT_MIXTURE_SAMPLES",
    "DataError",
    "Dataset",
    "Mixture",
    "convert_channels",
    "find_images",
    "gaussian1d",
    "grid25",
    "load_array",
    "load_dataset",
    "load_image_folder",
    "read_label_file",
    "resize_images",
    "ring8",
    "to_uint8_images",
]


def load_dataset(
    source: str | os.PathLike,
    *,
    image_size: int | None = None,
    channels: int | None = None,
    n: int | None = None,
    seed: int = 0,
    labels: str | os.PathLike | None = None,
) -> Dataset:
    """Load a data set by built-in name or path.

    ``source`` is a name in :data:`BUILTIN_DATASETS` (names win over paths; write
    ``./digits`` for a folder of that name), an image folder, or a ``.npy`` /
    ``.npz`` file. ``image_size`` resizes images to squares (shorter side, then
    centre crop); ``channels`` (1 or 3) converts grey <-> RGB. Both are rejected
    for vector data. ``n`` keeps a random subset of that many samples (chosen
    with ``seed``); for the synthetic mixtures it is the number of samples drawn
    (default 10,000) and ``seed`` seeds the draw. ``labels`` is a label file for an image
    folder or an array file (see :mod:`ganforge.data.labels`); it replaces any labels the
    source holds.
    """
    check_image_options(image_size, channels)
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise DataError(f"n must be a positive integer, got {n!r}")

    name = os.fspath(source) if isinstance(source, os.PathLike) else source
    if not isinstance(name, str) or not name:
        raise DataError(f"data source must be a built-in name or a path, got {source!r}")

    if name in BUILTIN_DATASETS:
        if labels is not None:
            raise DataError(f"a label file applies to image folders and array files; the built-in {name!r} "
                            "has its own labels")
        loader, _ = BUILTIN_DATASETS[name]
        ds = loader(n=n, seed=seed)
    else:
        path = Path(name).expanduser()
        sound = _sound_source(path)
        if sound is not None:
            if labels is not None:
                raise DataError(f"{path}: a label file applies to images and arrays; sound files take their labels "
                                "from sub-folders")
            if image_size is not None or channels is not None:
                raise DataError(f"{path} holds sound: image_size and channels apply to images only")
            return sound.subset(n, seed)
        own = samples_folder(path) if path.is_dir() else None
        if own is not None and "samples.npy" in (own.get("files") or []):  # points `ganforge sample` wrote
            data, found = load_array(path / "samples.npy")
        elif path.is_dir():
            data, found = load_image_folder(path, image_size, channels)
        elif path.is_file():
            if path.suffix.lower() not in (".npy", ".npz"):
                raise DataError(
                    f"{path}: unsupported file type {path.suffix!r}; expected an image folder, a .npy or a .npz file"
                )
            data, found = load_array(path)
        else:
            raise DataError(
                f"unknown data set {name!r}: not a built-in ({', '.join(BUILTIN_DATASETS)}) "
                "and no such file or directory"
            )
        if labels is not None:
            files = [p.relative_to(path).as_posix() for p in find_images(path)] if path.is_dir() else None
            found, _ = read_label_file(labels, len(data), files)
        label = path.resolve().name if path.is_dir() else path.stem
        ds = Dataset(data, label, found).subset(n, seed)

    if ds.modality == "vector":
        if image_size is not None or channels is not None:
            raise DataError(
                f"data set {ds.name!r} holds vectors of shape {ds.sample_shape}; "
                "image_size and channels apply to images only"
            )
        return ds
    data = convert_channels(resize_images(ds.data, image_size), channels)
    if data is ds.data:
        return ds
    return Dataset(data, ds.name, ds.labels, ds.mixture)


def _sound_source(path: Path) -> Dataset | None:
    """Audio (a folder of sound files, an ``.npz`` with ``audio``) or music (a folder of MIDI files), else None."""
    from ganforge.audio.data import is_audio_source, load_audio_folder, load_audio_npz
    from ganforge.music.data import is_midi_source, load_midi_folder

    if is_audio_source(path):
        return load_audio_folder(path) if path.is_dir() else load_audio_npz(path)
    if is_midi_source(path):
        return load_midi_folder(path)
    return None
