"""Write a trained GAN's samples (``ganforge sample``) in chunks, so memory does not grow with their number.

Outputs: a folder (one PNG per image plus ``overview.png``, or ``samples.npy`` for vectors), a ``.npz``
file (``images`` uint8 (N, C, H, W) or ``data`` float32, plus ``labels``), or CSV points on standard
output (``-``; vectors only). A class-conditional GAN's labels are stored with the samples: the
``labels`` array of the ``.npz``, or ``labels.csv`` (``file,label``) in a PNG folder. Every file is
written atomically; the ``.npz`` and ``.npy`` are streamed into their temporary file chunk by chunk.

An existing output is replaced only when it is recognisably one that ``ganforge sample`` wrote (a
folder with ``samples.json``, a ``.npz`` whose zip comment says so) or with ``overwrite``; rewriting
such a folder removes the samples of the previous write that the new one does not replace.
"""

from __future__ import annotations

import csv
import itertools
import sys
import zipfile
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Sequence

import numpy as np
import torch

from ganforge import console
from ganforge.data.images import SAMPLES_FORMAT, SAMPLES_MANIFEST
from ganforge.errors import ConfigError
from ganforge.io import atomic_write, check_output, read_manifest, save_image, save_picture, to_uint8, write_json

__all__ = ["CHUNK", "check_samples_output", "parse_labels", "write_samples"]

CHUNK = 1024  # samples generated at a time
_PREVIEW = 4096  # points drawn in a vector run's overview picture
MANIFEST, FORMAT = SAMPLES_MANIFEST, SAMPLES_FORMAT  # marks a samples folder as ganforge's
_NPZ_COMMENT = b"ganforge samples"  # the zip comment of a .npz that ganforge sample wrote
_FIXED_FILES = ("overview.png", "labels.csv", "samples.npy")  # besides sample_NNNNN.png
_SAMPLE_SUFFIXES = (".png", ".wav", ".mid")  # one file per sample: images, or sound (a GAN with write_media)


def check_samples_output(out: str, *, overwrite: bool = False, inputs: Sequence[Any] = ()) -> Path | None:
    """Raise :class:`~ganforge.errors.OutputError` unless ``out`` may be written (see the module's rule)."""
    if out == "-":
        return None
    path = Path(out)
    if path.suffix and path.suffix != ".npz":
        raise ConfigError(f"--out must be a folder, a .npz file or - (points as CSV); got {out}")
    if path.suffix == ".npz":
        return check_output(path, overwrite=overwrite, own=_own_npz, inputs=inputs,
                            what="samples")
    return check_output(path, overwrite=overwrite, own=lambda p: _own_folder(p) is not None, inputs=inputs,
                        folder=True, what="a samples folder")


def _own_npz(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.comment == _NPZ_COMMENT
    except (OSError, zipfile.BadZipFile):
        return False


def _own_folder(path: Path) -> dict[str, Any] | None:
    """The manifest of a samples folder ganforge wrote, else None."""
    data = read_manifest(path, MANIFEST)
    return data if data is not None and data.get("format") == FORMAT else None


def _folder_files(manifest: dict[str, Any]) -> set[str]:
    """The files a samples folder's manifest says ganforge wrote (only names it makes; nothing else)."""
    n, width = manifest.get("n"), manifest.get("width")
    suffix = manifest.get("suffix", ".png")
    suffix = suffix if suffix in _SAMPLE_SUFFIXES else ".png"
    names = {name for name in manifest.get("files") or () if name in _FIXED_FILES}
    if isinstance(n, int) and isinstance(width, int) and 0 < width <= 12:
        names.update(f"sample_{i:0{width}d}{suffix}" for i in range(n))
    return names


def parse_labels(text: str | None, num_classes: int | None) -> list[int] | None:
    """``--labels``: ``balanced`` (or None: the classes in equal consecutive blocks), ``3`` (every sample
    of class 3) or ``0,1,2`` (the classes cycled). Refused for a GAN without classes."""
    if text is None:
        return None
    if num_classes is None:
        raise ConfigError("--labels applies to class-conditional runs (gan.kind cgan, acgan or projection)")
    if text.strip() == "balanced":
        return None
    try:
        labels = [int(t) for t in text.split(",")]
    except ValueError:
        raise ConfigError(f"--labels expects 'balanced', a class or classes separated by commas; got {text!r}") from None
    bad = [y for y in labels if not 0 <= y < num_classes]
    if bad:
        raise ConfigError(f"--labels: class {bad[0]} is not in 0..{num_classes - 1} (the run has {num_classes} classes)")
    return labels


def _chunk_labels(labels: list[int] | None, start: int, stop: int, n: int, num_classes: int) -> torch.Tensor:
    index = torch.arange(start, stop)
    if labels is None:  # as ConditionalGAN.resolve_labels(n, None), one chunk at a time
        return index * num_classes // n
    return torch.tensor(labels, dtype=torch.int64)[index % len(labels)]


Labeller = Callable[[int, int], torch.Tensor]  # (start, stop) -> the labels of samples start..stop-1
Chunks = Iterator[tuple[int, torch.Tensor]]  # (index of the first sample, samples)


def _chunks(gan: Any, n: int, label_of: Labeller | None, seed: int, averaged: bool, chunk: int) -> Chunks:
    """``n`` samples, ``chunk`` at a time, from one seeded generator."""
    g = torch.Generator().manual_seed(seed)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        if label_of is not None:
            x = gan.sample(stop - start, labels=label_of(start, stop), generator=g, averaged=averaged)
        else:
            x = gan.sample(stop - start, generator=g, averaged=averaged)
        yield start, x.cpu()


def _progress(chunks: Chunks, n: int, show: bool) -> Chunks:
    from tqdm import tqdm

    with tqdm(total=n, unit="sample", disable=not (show and console.progress_enabled()), file=sys.stderr,
              dynamic_ncols=True) as bar:
        for start, x in chunks:
            yield start, x
            bar.update(len(x))


def _npy_header(f: IO[bytes], shape: tuple[int, ...], dtype: Any) -> None:
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(f, header)


def _as_array(x: torch.Tensor) -> np.ndarray:
    """Images as uint8 (N, C, H, W), vectors as float32."""
    return to_uint8(x).transpose(0, 3, 1, 2) if x.ndim == 4 else x.numpy().astype(np.float32)


def write_samples(gan: Any, n: int, out: str, *, labels: list[int] | None = None, seed: int = 0,
                  averaged: bool = True, chunk: int | None = None, overwrite: bool = False) -> str:
    """Write ``n`` samples of ``gan`` to ``out`` (a folder, a ``.npz`` file or ``-``); returns where they went.

    ``labels`` (see :func:`parse_labels`) picks the classes of a class-conditional GAN; ``chunk`` samples
    (default :data:`CHUNK`) are generated at a time. An existing ``out`` that ganforge did not write
    is refused unless ``overwrite`` (which replaces the files of the same names in a folder).
    """
    chunk = chunk or CHUNK
    if n < 1:
        raise ConfigError(f"-n must be >= 1; got {n}")
    check_samples_output(out, overwrite=overwrite)
    path = Path(out)
    num_classes = getattr(gan, "num_classes", None)
    label_of = None if num_classes is None else (
        lambda start, stop: _chunk_labels(labels, start, stop, n, num_classes))
    stream = _chunks(gan, n, label_of, seed, averaged, chunk)
    _, first = next(stream)  # its shape says which outputs fit; nothing is written before this check
    chunks = _progress(itertools.chain([(0, first)], stream), n, show=n > chunk)
    if out == "-":
        if first.ndim != 2:
            raise ConfigError(f"--out - writes points as CSV; this run makes images of shape {tuple(first.shape[1:])}: "
                              f"give a folder or a .npz file")
        _write_csv(sys.stdout, chunks, first.shape[1])
        return "standard output"
    if path.suffix == ".npz":
        atomic_write(path, lambda f: _write_npz(f, chunks, n, first, label_of, chunk))
        return str(path)
    path.mkdir(parents=True, exist_ok=True)
    media = getattr(gan, "write_media", None)  # sound: one .wav / .mid file per sample and a picture of them
    files = first.ndim == 4 or media is not None
    suffix = gan.media_suffix if media is not None else ".png"
    fixed = ["overview.png", "labels.csv"] if files and label_of is not None else \
        ["overview.png"] if files or first.shape[1] <= 2 else []
    manifest = {"format": FORMAT, "n": n if files else 0, "width": _width(n), "suffix": suffix,
                "files": fixed + ([] if files else ["samples.npy"])}
    previous = _own_folder(path)
    if previous is not None:  # the samples of the previous write that this one does not replace
        for name in sorted(_folder_files(previous) - _folder_files(manifest)):
            (path / name).unlink(missing_ok=True)
    write_json(path / MANIFEST, {**manifest, "complete": False})  # marks the folder as ganforge's from the start
    if files:
        if media is not None:
            from ganforge.audio.pictures import spread

            save_image(path / "overview.png", gan.picture_of(first[spread(len(first), 16)]))
        else:
            save_picture(path / "overview.png", first[:64])
        write = _write_pngs if media is None else (lambda *a: _write_files(*a, write=media, suffix=suffix))
        if label_of is None:
            write(path, chunks, n, None, None)
        else:
            atomic_write(path / "labels.csv", lambda f: write(path, chunks, n, label_of, f), mode="w")
    else:
        atomic_write(path / "samples.npy", lambda f: _write_npy(f, chunks, (n, *first.shape[1:])))
        if first.shape[1] <= 2:
            save_picture(path / "overview.png", first[:_PREVIEW])
    write_json(path / MANIFEST, {**manifest, "complete": True})
    return str(path)


def _width(n: int) -> int:
    return max(5, len(str(n - 1)))


def _write_csv(f: IO[str], chunks: Chunks, dim: int) -> None:
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow([f"x{i}" for i in range(dim)])
    for _, x in chunks:
        writer.writerows(x.tolist())
    f.flush()


def _write_npy(f: IO[bytes], chunks: Chunks, shape: tuple[int, ...]) -> None:
    _npy_header(f, shape, np.float32)
    for _, x in chunks:
        f.write(_as_array(x).tobytes())


def _write_npz(f: IO[bytes], chunks: Chunks, n: int, first: torch.Tensor, label_of: Labeller | None,
               chunk: int) -> None:
    """The samples (and labels) as members of a compressed zip, laid out as ``np.savez_compressed`` does."""
    sample = _as_array(first[:1])
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        zf.comment = _NPZ_COMMENT  # recognised by check_samples_output: a later write may replace this file
        with zf.open("images.npy" if first.ndim == 4 else "data.npy", "w", force_zip64=True) as member:
            _npy_header(member, (n, *sample.shape[1:]), sample.dtype)
            for _, x in chunks:
                member.write(_as_array(x).tobytes())
        if label_of is not None:  # the labels follow from --labels alone: computed again, chunk by chunk
            with zf.open("labels.npy", "w", force_zip64=True) as member:
                _npy_header(member, (n,), np.int64)
                for start in range(0, n, chunk):
                    member.write(label_of(start, min(n, start + chunk)).numpy().astype(np.int64).tobytes())


def _write_pngs(folder: Path, chunks: Chunks, n: int, label_of: Labeller | None, table: IO[str] | None) -> None:
    """One PNG per image; with labels, a ``file,label`` row each in ``table`` (labels.csv)."""
    from PIL import Image

    def write(name: Path, x: torch.Tensor) -> None:
        img = to_uint8(x)[0]
        pil = Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img)
        atomic_write(name, lambda f: pil.save(f, format="PNG"))

    _write_files(folder, chunks, n, label_of, table, write=write, suffix=".png")


def _write_files(folder: Path, chunks: Chunks, n: int, label_of: Labeller | None, table: IO[str] | None, *,
                 write: Callable[[Path, torch.Tensor], Any], suffix: str) -> None:
    """One file per sample, ``write(path, sample[None])``; with labels, a ``file,label`` row each in ``table``."""
    width = _width(n)
    writer = csv.writer(table, lineterminator="\n") if table is not None else None
    if writer is not None:
        writer.writerow(["file", "label"])
    for start, x in chunks:
        y = label_of(start, start + len(x)).tolist() if label_of is not None else None
        for k in range(len(x)):
            name = f"sample_{start + k:0{width}d}{suffix}"
            write(folder / name, x[k:k + 1])
            if writer is not None:
                writer.writerow([name, y[k]])
