"""Label files: one class label per image, for ``.npy`` images or image folders without class sub-folders.

Formats (chosen by the file's extension):

* ``.txt`` — one label per line, in the images' order;
* ``.npy`` — a 1-D array of integers or strings, in the images' order;
* ``.csv`` — a header row with a label column (``label``, ``class``, ``y`` or ``target``) and, for
  image folders, optionally a file column (``file``, ``filename``, ``path`` or ``image``) holding
  each image's path relative to the folder; without a file column the rows are in the images' order.

The images' order is the array's order for ``.npy``/``.npz`` files and the sorted relative paths for
folders (as :func:`ganforge.data.load_image_folder` loads them). Labels that are all whole numbers
are used as they are (class names are the numbers); otherwise they are class names, numbered in
sorted order. Every mismatch with the images raises :class:`DataError` naming the file and the row.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from ganforge.errors import DataError

__all__ = ["LABEL_FILE_TYPES", "read_label_file"]

LABEL_FILE_TYPES = (".txt", ".npy", ".csv")
_LABEL_COLUMNS = ("label", "class", "y", "target")
_FILE_COLUMNS = ("file", "filename", "path", "image")


def read_label_file(path: str | Path, n: int, files: Sequence[str] | None = None) -> tuple[torch.Tensor, list[str]]:
    """Labels for ``n`` images from the label file ``path``: int64 ``(n,)`` and the class names by label.

    ``files`` are the images' relative paths (POSIX) when they come from a folder; a CSV file column
    is matched against them.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"label file {path} does not exist" if not path.exists() else f"{path} is not a file")
    suffix = path.suffix.lower()
    if suffix not in LABEL_FILE_TYPES:
        raise DataError(f"{path}: unsupported label file type {path.suffix!r}; expected {', '.join(LABEL_FILE_TYPES)}")
    if suffix == ".npy":
        values = _read_npy(path)
    elif suffix == ".txt":
        values = _read_txt(path)
    else:
        values = _read_csv(path, files)
    if len(values) != n:
        order = "sorted relative paths" if files is not None else "array order"
        raise DataError(f"{path}: {len(values)} labels for {n} images; the label file must hold one label per "
                        f"image, in the images' order ({order})")
    return _encode(path, values)


def _read_npy(path: Path) -> list[str]:
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read label file {path}: {exc}") from exc
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataError(f"{path}: labels must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all() or not np.array_equal(arr, np.round(arr)):
            raise DataError(f"{path}: labels must be whole numbers or class names")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "biuU":
        raise DataError(f"{path}: unsupported label dtype {arr.dtype}; expected integers or strings")
    return [str(v) for v in arr.tolist()]


def _read_txt(path: Path) -> list[str]:
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read label file {path}: {exc}") from exc
    while lines and not lines[-1].strip():
        lines.pop()
    for i, line in enumerate(lines, 1):
        if not line.strip():
            raise DataError(f"{path} line {i}: empty label")
    return [line.strip() for line in lines]


def _read_csv(path: Path, files: Sequence[str] | None) -> list[str]:
    try:
        with path.open(newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read label file {path}: {exc}") from exc
    if not rows:
        raise DataError(f"{path}: the label file is empty")
    header = [h.strip().lower() for h in rows[0]]
    label_col = next((header.index(c) for c in _LABEL_COLUMNS if c in header), None)
    if label_col is None:
        raise DataError(f"{path}: no label column; the header must name one of {', '.join(_LABEL_COLUMNS)} "
                        f"(found {', '.join(rows[0]) or 'nothing'})")
    file_col = next((header.index(c) for c in _FILE_COLUMNS if c in header), None)
    body = [(i, r) for i, r in enumerate(rows[1:], 2) if any(cell.strip() for cell in r)]
    for i, r in body:
        needed = max(label_col, file_col if file_col is not None else 0)
        if len(r) <= needed or not r[label_col].strip():
            raise DataError(f"{path} row {i}: missing label")
    if file_col is None:
        return [r[label_col].strip() for _, r in body]
    if files is None:
        raise DataError(f"{path} has a {rows[0][file_col]!r} column, which names images of a folder; "
                        f"for an array file list the labels in the array's order without it")
    position = {f: k for k, f in enumerate(files)}
    values: list[str | None] = [None] * len(files)
    for i, r in body:
        name = r[file_col].strip().replace("\\", "/")
        name = name[2:] if name.startswith("./") else name
        if name not in position:
            raise DataError(f"{path} row {i}: no image {name!r} in the folder")
        k = position[name]
        if values[k] is not None:
            raise DataError(f"{path} row {i}: image {name!r} is labelled twice")
        values[k] = r[label_col].strip()
    missing = [files[k] for k, v in enumerate(values) if v is None]
    if missing:
        raise DataError(f"{path}: {len(missing)} image(s) have no label, e.g. {missing[0]!r}")
    return [v for v in values if v is not None]


def _encode(path: Path, values: list[str]) -> tuple[torch.Tensor, list[str]]:
    try:
        ints = [int(v) for v in values]
    except ValueError:
        names = sorted(set(values))
        index = {name: i for i, name in enumerate(names)}
        return torch.tensor([index[v] for v in values], dtype=torch.int64), names
    if ints and min(ints) < 0:
        raise DataError(f"{path}: labels must be non-negative, found {min(ints)}")
    top = max(ints, default=-1)
    return torch.tensor(ints, dtype=torch.int64), [str(i) for i in range(top + 1)]
