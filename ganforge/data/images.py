"""Load images from folders and arrays from ``.npy`` / ``.npz`` files.

Images are returned as uint8 tensors ``(N, C, H, W)`` with C = 1 (grey) or 3 (RGB);
vector data as float32 ``(N, D)``. Every bad input raises :class:`DataError`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ganforge.errors import DataError

__all__ = [
    "IMAGE_EXTENSIONS",
    "SAMPLES_FORMAT",
    "SAMPLES_MANIFEST",
    "find_images",
    "samples_folder",
    "load_image_folder",
    "load_array",
    "resize_images",
    "convert_channels",
    "check_image_options",
]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
SAMPLES_MANIFEST, SAMPLES_FORMAT = "samples.json", "ganforge-samples"  # marks a folder `ganforge sample` wrote
DATA_KEYS = ("x", "images", "data", "arr_0")
LABEL_KEYS = ("y", "labels")
# ITU-R 601-2 luma, the weights Pillow uses for RGB -> "L".
_LUMA = (0.299, 0.587, 0.114)
_GREY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
_RESAMPLE = getattr(Image, "Resampling", Image).BICUBIC
_CHUNK = 1024


def check_image_options(image_size: int | None, channels: int | None) -> None:
    """Validate ``image_size`` (positive int or None) and ``channels`` (1, 3 or None)."""
    if image_size is not None and (isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1):
        raise DataError(f"image_size must be a positive integer, got {image_size!r}")
    if channels is not None and channels not in (1, 3):
        raise DataError(f"channels must be 1 (grey) or 3 (RGB), got {channels!r}")


# ----------------------------------------------------------------------------- tensors


def _luma(x: torch.Tensor) -> torch.Tensor:
    r, g, b = x.float().unbind(dim=1)
    return (_LUMA[0] * r + _LUMA[1] * g + _LUMA[2] * b).round().clamp(0, 255).to(torch.uint8).unsqueeze(1)


def convert_channels(x: torch.Tensor, channels: int | None) -> torch.Tensor:
    """Convert uint8 ``(N, C, H, W)`` images to ``channels``: grey -> RGB repeats, RGB -> grey uses luminance."""
    check_image_options(None, channels)
    if channels is None or x.shape[1] == channels:
        return x
    if channels == 3:
        return x.repeat(1, 3, 1, 1)
    return torch.cat([_luma(x[i : i + _CHUNK]) for i in range(0, len(x), _CHUNK)])


def resize_images(x: torch.Tensor, image_size: int | None) -> torch.Tensor:
    """Resize uint8 ``(N, C, H, W)`` images to ``image_size`` squares.

    The shorter side is scaled to ``image_size`` (area averaging when shrinking,
    bilinear when enlarging), then the centre square is cropped.
    """
    check_image_options(image_size, None)
    h, w = x.shape[-2:]
    if image_size is None or (h == image_size and w == image_size):
        return x
    new_h, new_w = _scaled_size(h, w, image_size)
    top, left = (new_h - image_size) // 2, (new_w - image_size) // 2
    out = []
    for i in range(0, len(x), _CHUNK):
        chunk = x[i : i + _CHUNK].float()
        if new_h != h or new_w != w:
            if new_h < h:
                chunk = F.interpolate(chunk, size=(new_h, new_w), mode="area")
            else:
                chunk = F.interpolate(chunk, size=(new_h, new_w), mode="bilinear", align_corners=False)
        chunk = chunk[:, :, top : top + image_size, left : left + image_size]
        out.append(chunk.round().clamp(0, 255).to(torch.uint8))
    return torch.cat(out)


def _scaled_size(h: int, w: int, size: int) -> tuple[int, int]:
    """(height, width) after scaling the shorter side to ``size``."""
    if h <= w:
        return size, max(size, round(w * size / h))
    return max(size, round(h * size / w)), size


# ----------------------------------------------------------------------------- folders


def samples_folder(root: Path) -> dict | None:
    """The manifest of a folder of samples that ``ganforge sample`` wrote, else None."""
    import json

    try:
        data = json.loads((Path(root) / SAMPLES_MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == SAMPLES_FORMAT else None


def find_images(root: Path, suffixes: tuple[str, ...] = IMAGE_EXTENSIONS) -> list[Path]:
    """Image files (or files of other ``suffixes``, lower case) under ``root`` (recursively, hidden ones
    skipped), sorted by relative POSIX path. In a folder ``ganforge sample`` wrote, only the samples
    (not its ``overview.png``)."""
    manifest = samples_folder(root)
    extra = set(manifest.get("files") or []) if manifest else set()
    found = []
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or rel.as_posix() in extra:
            continue  # hidden files and folders (.ipynb_checkpoints, .DS_Store, ...), a samples folder's overview
        if p.suffix.lower() in suffixes and p.is_file():
            found.append(p)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _is_16bit(img: Image.Image) -> bool:
    """16-bit grey: Pillow's ``I;16*`` modes, or ``I`` from a PNG (older Pillow; a PNG has no 32-bit grey)."""
    return img.mode.startswith("I;16") or (img.mode == "I" and img.format == "PNG")


def _decode(path: Path, image_size: int | None) -> np.ndarray:
    """Decode one file to a uint8 array (H, W) for grey or (H, W, 3) for colour."""
    try:
        with Image.open(path) as img:
            img.load()
            if img.mode in _GREY_MODES:
                if img.mode.startswith("I") or img.mode == "F":
                    arr = np.asarray(img, dtype=np.float64)
                    if _is_16bit(img):  # decided by the file, not its values: a folder scales alike
                        arr = arr / 257.0
                    img = Image.fromarray(np.clip(np.rint(arr), 0, 255).astype(np.uint8), "L")
                else:
                    img = img.convert("L")
            else:
                img = img.convert("RGB")
            if image_size is not None:
                new_h, new_w = _scaled_size(img.height, img.width, image_size)
                if (new_h, new_w) != (img.height, img.width):
                    img = img.resize((new_w, new_h), _RESAMPLE)
                top, left = (new_h - image_size) // 2, (new_w - image_size) // 2
                img = img.crop((left, top, left + image_size, top + image_size))
            return np.array(img, dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        raise DataError(f"cannot read image {path}: {exc}") from exc


def load_image_folder(
    path: str | Path, image_size: int | None = None, channels: int | None = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Load every image under ``path`` (recursively, sorted by relative path).

    Returns uint8 ``(N, C, H, W)`` images and int64 labels, or None. Labels are
    given when every image lies inside a first-level sub-folder (class folders);
    the label is that folder's index among the sorted class folders. With
    ``image_size`` each image's shorter side is resized to it and the centre
    square cropped; without it all images must share one size. ``channels``
    None gives grey when every image is grey, else RGB.
    """
    check_image_options(image_size, channels)
    root = Path(path).expanduser()
    if not root.exists():
        raise DataError(f"image folder {root} does not exist")
    if not root.is_dir():
        raise DataError(f"{root} is not a directory")
    files = find_images(root)
    if not files:
        raise DataError(f"no images found in {root} (looked for {', '.join(IMAGE_EXTENSIONS)}, any case)")

    arrays = [_decode(p, image_size) for p in files]
    sizes = {a.shape[:2] for a in arrays}
    if len(sizes) > 1:
        examples = ", ".join(f"{w}x{h}" for h, w in sorted(sizes)[:4])
        raise DataError(f"images in {root} have different sizes ({examples}, ...); pass image_size to resize them")
    if channels is None:
        channels = 1 if all(a.ndim == 2 for a in arrays) else 3
    out = torch.empty((len(arrays), channels, *arrays[0].shape[:2]), dtype=torch.uint8)
    for i, a in enumerate(arrays):
        t = torch.from_numpy(a)
        t = t.unsqueeze(0) if t.ndim == 2 else t.permute(2, 0, 1)
        out[i] = convert_channels(t.unsqueeze(0), channels)[0]

    return out, folder_labels(root, files)


def folder_labels(root: Path, files: list[Path]) -> torch.Tensor | None:
    """int64 labels when every file lies inside a first-level sub-folder of ``root`` (class folders): the
    index of its folder among the sorted class folders; else None."""
    rel = [p.relative_to(root).parts for p in files]
    if not rel or not all(len(parts) >= 2 for parts in rel):
        return None
    classes = sorted({parts[0] for parts in rel})
    index = {name: i for i, name in enumerate(classes)}
    return torch.tensor([index[parts[0]] for parts in rel], dtype=torch.int64)


# ----------------------------------------------------------------------------- arrays


def _pick_key(path: Path, keys: list[str], wanted: tuple[str, ...], what: str) -> str | None:
    present = [k for k in wanted if k in keys]
    if len(present) > 1:
        raise DataError(f"{path}: ambiguous {what} keys {present}; keys in file: {keys}")
    return present[0] if present else None


def _read_array_file(path: Path, key: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".npz"):
        raise DataError(f"{path}: unsupported file type {path.suffix!r}; expected .npy or .npz")
    try:
        loaded = np.load(path, allow_pickle=False)
        if suffix == ".npy":
            if not isinstance(loaded, np.ndarray):
                raise DataError(f"{path}: not a .npy array file")
            if key is not None:
                raise DataError(f"{path}: key={key!r} given but a .npy file holds a single array")
            return loaded, None
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise DataError(f"{path}: not a .npz archive")
        with loaded:
            keys = list(loaded.files)
            if not keys:
                raise DataError(f"{path}: the archive holds no arrays")
            if key is not None:
                if key not in keys:
                    raise DataError(f"{path}: key {key!r} not found; keys in file: {keys}")
                data_key = key
            else:
                data_key = _pick_key(path, keys, DATA_KEYS, "data")
                if data_key is None:
                    others = [k for k in keys if k not in LABEL_KEYS]
                    if len(others) != 1:
                        raise DataError(
                            f"{path}: cannot tell which array holds the data; expected one of "
                            f"{list(DATA_KEYS)}, keys in file: {keys}"
                        )
                    data_key = others[0]
            label_key = _pick_key(path, keys, LABEL_KEYS, "label")
            data = loaded[data_key]
            labels = loaded[label_key] if label_key is not None and label_key != data_key else None
            return data, labels
    except DataError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc


def _to_uint8_images(path: Path, x: np.ndarray) -> np.ndarray:
    """Convert image values to uint8 0..255 (see :func:`load_array`)."""
    if x.dtype == np.uint8:
        return x
    if x.dtype == np.bool_:
        return x.astype(np.uint8) * 255
    lo, hi = float(x.min()), float(x.max())
    if np.issubdtype(x.dtype, np.integer):
        if lo < 0 or hi > 255:
            raise DataError(f"{path}: integer image values must lie in 0..255, found {lo:g}..{hi:g}")
        return x.astype(np.uint8)
    tol = 1e-3
    if lo >= -tol and hi <= 1 + tol:
        scaled = x.astype(np.float64) * 255.0
    elif lo >= -1 - tol and hi <= 1 + tol:
        scaled = (x.astype(np.float64) + 1.0) * 127.5
    elif lo >= -tol and hi <= 255 + tol:
        scaled = x.astype(np.float64)
    else:
        raise DataError(
            f"{path}: float image values must lie in [0, 1], [-1, 1] or [0, 255], found {lo:g}..{hi:g}"
        )
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _image_layout(path: Path, x: np.ndarray) -> np.ndarray:
    """Return images as (N, C, H, W) with C in {1, 3}."""
    if x.ndim == 3:
        return x[:, None]
    first, last = x.shape[1], x.shape[3]
    if first in (1, 3):  # channels first (preferred when both readings fit)
        return x
    if last in (1, 3, 4):  # channels last; alpha is dropped
        return np.ascontiguousarray(np.moveaxis(x[..., :3], 3, 1))
    raise DataError(
        f"{path}: cannot find the channel axis of images with shape {x.shape}; "
        "expected (N, C, H, W) with C in 1, 3 or (N, H, W, C) with C in 1, 3, 4"
    )


def load_array(path: str | Path, key: str | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Load data from a ``.npy`` or ``.npz`` file.

    An ``.npz`` holds the data under ``key`` or, by default, under one of
    ``x``/``images``/``data``/``arr_0`` (or its only array), and optional labels
    under ``y``/``labels``. Shapes: ``(N, H, W)`` grey images, ``(N, H, W, C)``
    with C in 1, 3, 4 (channels last; alpha dropped), ``(N, C, H, W)`` with C in
    1, 3 (preferred when a shape fits both), ``(N, D)`` vectors (kept as float32).
    Image values: uint8 as is; other integers must be in 0..255; bool becomes
    0/255; floats are read as [0, 1] when all lie there, else [-1, 1], else
    [0, 255], and are rounded to uint8. Returns the data tensor and int64 labels
    or None.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"array file {path} does not exist")
    if not path.is_file():
        raise DataError(f"{path} is not a file")
    x, y = _read_array_file(path, key)

    if x.dtype == object or x.dtype.kind not in "biuf":
        raise DataError(f"{path}: unsupported array dtype {x.dtype}; expected numbers")
    if x.size == 0:
        raise DataError(f"{path}: the array is empty (shape {x.shape})")
    if x.ndim not in (2, 3, 4):
        raise DataError(
            f"{path}: unsupported shape {x.shape}; expected (N, D) vectors or images "
            "(N, H, W), (N, H, W, C) or (N, C, H, W)"
        )
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise DataError(f"{path}: the array contains NaN or Inf values")

    if x.ndim == 2:
        data = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    else:
        data = torch.from_numpy(np.ascontiguousarray(_image_layout(path, _to_uint8_images(path, x))))

    labels = None
    if y is not None:
        labels = _check_labels(path, y, len(data))
    return data, labels


def _check_labels(path: Path, y: np.ndarray, n: int) -> torch.Tensor:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(f"{path}: labels must be one-dimensional, got shape {y.shape}")
    if len(y) != n:
        raise DataError(f"{path}: {len(y)} labels for {n} samples; the lengths must match")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all() or not np.array_equal(y, np.round(y)):
            raise DataError(f"{path}: labels must be whole numbers")
    elif y.dtype.kind not in "biu":
        raise DataError(f"{path}: unsupported label dtype {y.dtype}; expected integers")
    y = y.astype(np.int64)
    if y.min() < 0:
        raise DataError(f"{path}: labels must be non-negative, found {int(y.min())}")
    return torch.from_numpy(y)
