"""Atomic file writes, atomic model folders, and pictures of samples saved as PNG (drawn by :mod:`ganforge.plots`).

Nothing here deletes or replaces what ganforge did not write: a file is replaced only by
:func:`atomic_write` (whose caller chose the path), a folder only when it is recognisably one that
ganforge wrote (its manifest names the same format), and the hidden temporaries that are cleaned
up carry the id of a process that has died. :func:`check_output` is every command's rule for its
``--out``: replace only ganforge's own outputs, or with ``--overwrite``; never an input.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import torch
from PIL import Image

from ganforge import plots
from ganforge.errors import OutputError

_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
# what follows ``.NAME.`` in a temporary of NAME: PID.xxxxxxxx.tmp, or old-PID and xxxxxxxx.tmp of older versions
_LEFTOVER_SUFFIX = r"(?:(\d+)\.[a-z0-9_]{8}\.tmp|old-(\d+)|([a-z0-9_]{8})\.tmp)"
_LEGACY_AGE_S = 3600  # temporaries of older ganforge versions (no process id) are removed after this long


def atomic_write(path: str | Path, write: Callable[[Any], None], mode: str = "wb", *, cleanup: bool = False) -> Path:
    """Write a file through ``write(fileobj)`` into a temporary sibling, then rename it into place.

    A crash or Ctrl-C mid-write leaves the previous file intact, never a half-written one. A full
    disk raises :class:`OutputError` naming the path (the temporary file is removed). With
    ``cleanup``, temporaries that killed writes of ``path`` left behind are removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if cleanup:
        remove_leftovers(path)
    existed = path.exists()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_tmp_prefix(path), suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        _raise_if_disk_full(exc, path, existed)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _tmp_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."


def _raise_if_disk_full(exc: BaseException, path: Path, existed: bool) -> None:
    """Turn a failed write for want of space (also torch's RuntimeError around it) into an OutputError."""
    seen, e = set(), exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in _DISK_FULL:
            kept = "the previous one is unchanged" if existed else "nothing was written there"
            raise OutputError(f"disk full (or over quota) while writing {path}; {kept}") from exc
        e = e.__cause__ or e.__context__


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # no safe probe: keep the file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_leftovers(path: str | Path) -> list[Path]:
    """Remove the hidden temporaries that killed writes of ``path`` left beside it; return them.

    Only names this module makes are touched (``.NAME.PID.xxxxxxxx.tmp``, and ``.NAME.old-PID`` of
    older versions), and only when process PID has died (or, for older names without one, after an hour).
    """
    path = Path(path)
    name = re.escape(path.name)
    pattern = re.compile(rf"\.{name}\.{_LEFTOVER_SUFFIX}")
    removed = []
    try:
        entries = list(path.parent.glob(f".{_glob_escape(path.name)}.*"))
    except OSError:
        return removed
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if not m:
            continue
        pid = m.group(1) or m.group(2)
        try:
            stale = not _alive(int(pid)) if pid else time.time() - entry.lstat().st_mtime > _LEGACY_AGE_S
        except OSError:
            continue
        if stale:
            _remove(entry)
            removed.append(entry)
    return removed


def remove_leftovers_in(folder: str | Path) -> list[Path]:
    """:func:`remove_leftovers` for every file of ``folder`` that a killed write left a temporary of."""
    names = set()
    try:
        for entry in Path(folder).iterdir():
            m = re.fullmatch(rf"\.(.+?)\.{_LEFTOVER_SUFFIX}", entry.name)
            if m:
                names.add(m.group(1))
    except OSError:
        return []
    return [removed for name in sorted(names) for removed in remove_leftovers(Path(folder) / name)]


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)


def write_text(path: str | Path, text: str, *, cleanup: bool = False) -> Path:
    return atomic_write(path, lambda f: f.write(text), mode="w", cleanup=cleanup)


def write_json(path: str | Path, obj: Any) -> Path:
    return write_text(path, json.dumps(obj, indent=2, default=str) + "\n")


# -- outputs -----------------------------------------------------------------------------------
def check_output(path: str | Path, *, overwrite: bool | None = False, own: Callable[[Path], bool] | None = None,
                 inputs: Iterable[str | os.PathLike | None] = (), folder: bool = False,
                 what: str = "an output") -> Path:
    """Raise :class:`OutputError` unless a command may write its output ``path``; return it as a Path.

    The one rule of every ``--out``: an output that is also one of the command's ``inputs`` is always
    refused; a missing path (or, for a ``folder``, an empty folder) is written; an existing one is
    replaced only when ``own(path)`` recognises it as ganforge's own output, or with ``overwrite``
    (the user's ``--overwrite``; None: the command has no such flag). ``what`` names the kind of
    output in the message.
    """
    path = Path(path).expanduser()
    for source in inputs:
        if source is not None and _same_file(path, Path(source).expanduser()):
            raise OutputError(f"{path} is also an input of this command; write the output to another path")
    if not path.exists() and not path.is_symlink():
        return path
    if path.is_dir() != folder:
        raise OutputError(f"{path} exists and is {'not ' if folder else ''}a folder; choose another path")
    if (folder and not any(path.iterdir())) or overwrite or (own is not None and own(path)):
        return path
    way_out = "pass --overwrite to replace it, or choose another path" if overwrite is not None else \
        "choose another path or remove it yourself"
    raise OutputError(f"{path} already exists and is not recognisably {what} ganforge wrote; {way_out}")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


# -- folders -----------------------------------------------------------------------------------
def read_manifest(path: str | Path, manifest: str) -> dict[str, Any] | None:
    """The JSON object in ``path/manifest``, or None when there is none (or it is not a JSON object)."""
    try:
        data = json.loads((Path(path) / manifest).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def folder_file(path: str | Path, manifest_data: dict[str, Any], name: str) -> Path:
    """Where the entry ``name`` of a folder written by :func:`atomic_folder` lies (its manifest says)."""
    actual = (manifest_data.get("files") or {}).get(name, name)
    if not isinstance(actual, str) or Path(actual).name != actual or actual in ("", ".", ".."):
        raise OutputError(f"{Path(path)}: the manifest names {actual!r} for {name!r}, which is not a file name")
    if not (Path(path) / actual).exists() and (Path(path) / name).exists():
        return Path(path) / name  # atomic_folder has given the entry its plain name back since
    return Path(path) / actual


def check_folder_target(path: str | Path, *, manifest: str, fmt: str | None) -> dict[str, Any] | None:
    """Raise :class:`OutputError` unless :func:`atomic_folder` may write ``path``; return the manifest it replaces.

    Allowed: no such path, an empty folder (None is returned), or a folder whose manifest has ``"format": fmt``.
    """
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path} exists and is not a folder; ganforge will not replace it")
    if not path.is_dir() or not any(path.iterdir()):
        return None
    existing = read_manifest(path, manifest)
    if fmt is None or existing is None or existing.get("format") != fmt:
        what = f"a folder written by ganforge ({manifest} of format {fmt})" if fmt else "an empty folder"
        raise OutputError(f"{path} already exists and is not {what}; ganforge will not overwrite it: "
                          f"choose another path or remove it yourself")
    return existing


@contextmanager
def atomic_folder(path: str | Path, *, manifest: str, fmt: str | None) -> Iterator[Path]:
    """``with atomic_folder(path, ...) as tmp:`` write the folder's entries into ``tmp``, ``tmp/manifest`` (JSON) included.

    ``path`` may be missing or empty: everything is written into a hidden sibling that is renamed
    to ``path`` when complete. A folder whose manifest has ``"format": fmt`` (one ganforge wrote;
    ``fmt=None``: never) is updated in place so that it holds a complete folder at every moment:
    each new entry is moved in under a fresh versioned name, then the manifest, which maps entry
    names to those names under ``"files"``, is replaced atomically, the old entries go, and the new
    ones get their plain names back (renamed one by one, then a manifest without the map).
    Anything else at ``path`` is refused with :class:`OutputError`. Leftovers of killed writes (hidden
    temporaries, versioned entries no manifest names) are removed first. Folders get the umask's
    permissions. A full disk raises :class:`OutputError`; the previous folder stays as it was.
    """
    path = Path(path).expanduser()
    existing = check_folder_target(path, manifest=manifest, fmt=fmt)
    replace = existing is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(path)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=_tmp_prefix(path), suffix=".tmp"))
    moved: list[Path] = []
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700 folders
        yield tmp
        if not (tmp / manifest).is_file():
            raise RuntimeError(f"atomic_folder: nothing wrote {manifest}")
        if not replace:
            if path.is_dir():
                path.rmdir()  # empty (checked above)
            os.rename(tmp, path)
            return
        _remove_unnamed_versions(path, existing, [e.name for e in tmp.iterdir()])
        files = {}
        for entry in sorted(tmp.iterdir()):
            if entry.name != manifest:
                files[entry.name] = _versioned(entry.name)
                os.rename(entry, path / files[entry.name])
                moved.append(path / files[entry.name])
        data = json.loads((tmp / manifest).read_text())
        atomic_write(path / manifest, lambda f: f.write(json.dumps({**data, "files": files}, indent=1) + "\n"),
                     mode="w", cleanup=True)
        moved.clear()
        before = {folder_file(path, existing, name).name for name in existing.get("files") or {}}
        for name in before | set(files):  # what the old manifest named, and unversioned (older) copies
            if name not in files.values() and name != manifest:
                _remove(path / name)
        for name, actual in files.items():  # plain names again: each rename is atomic, and a reader that
            os.rename(path / actual, path / name)  # finds the mapped name gone takes the plain one (folder_file)
        atomic_write(path / manifest, lambda f: f.write(json.dumps(data, indent=1) + "\n"), mode="w", cleanup=True)
    except BaseException as exc:
        for entry in moved:  # ours, and named by no manifest
            _remove(entry)
        _raise_if_disk_full(exc, path, replace)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _versioned(name: str) -> str:
    stem, dot, suffix = name.partition(".")
    return f"{stem}.v{secrets.token_hex(4)}{dot}{suffix}"


def _remove_unnamed_versions(path: Path, manifest_data: dict[str, Any], names: list[str]) -> None:
    """Remove versioned entries (``stem.vXXXXXXXX[.suffix]``) of ``names`` that the manifest does not name."""
    named = set((manifest_data.get("files") or {}).values())
    for name in names:
        stem, dot, suffix = name.partition(".")
        pattern = re.compile(rf"{re.escape(stem)}\.v[0-9a-f]{{8}}{re.escape(dot + suffix)}")
        for entry in path.glob(f"{_glob_escape(stem)}.v*"):
            if pattern.fullmatch(entry.name) and entry.name not in named:
                _remove(entry)


def uint8_images(images: torch.Tensor) -> torch.Tensor:
    """Float images in [-1, 1] -> uint8 0..255 (clamped, rounded), same shape and device: the one place
    that maps the networks' range back to pixel levels (the inverse of :meth:`ganforge.data.Dataset.batch`)."""
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """Float images in [-1, 1], (N, C, H, W) -> uint8 (N, H, W, C) on the CPU, for pictures and files."""
    return uint8_images(images.cpu()).permute(0, 2, 3, 1).contiguous().numpy()


def to_plain(obj: Any, *, nan: Any = float("nan")) -> Any:
    """``obj`` as JSON-ready values: dicts (keys as str), lists (from tuples and sets), Python scalars (from
    NumPy scalars), nested lists (from arrays and tensors), ``str`` of anything else. Non-finite floats become
    ``nan`` (default: kept; ``None`` writes them as null)."""
    if isinstance(obj, dict):
        return {str(k): to_plain(v, nan=nan) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_plain(v, nan=nan) for v in obj]
    if isinstance(obj, (np.ndarray, torch.Tensor)):
        return to_plain(obj.tolist(), nan=nan)
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return obj if obj == obj and abs(obj) != float("inf") else nan
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    return str(obj)


def picture(samples: torch.Tensor, real: torch.Tensor | None = None, caption: str | None = None,
            columns: int | None = None) -> Image.Image:
    """The picture that fits the samples' shape: a grid (images), a scatter plot (2-D), a histogram (1-D).

    ``real`` samples of the same shape are drawn in grey behind generated points; ``caption`` (e.g.
    "step 1500") goes in a strip above the picture; ``columns`` images per row of a grid (None: square).
    """
    def points(x: torch.Tensor | None) -> np.ndarray | None:
        return None if x is None else x.detach().float().cpu().numpy()

    if samples.ndim == 4:
        img = plots.image_grid(to_uint8(samples), nrow=columns)
    elif samples.ndim == 2 and samples.shape[1] == 2:
        img = plots.scatter_plot(points(samples), points(real))
    elif samples.ndim == 2 and samples.shape[1] == 1:
        img = plots.histogram_plot(points(samples)[:, 0], None if real is None else points(real)[:, 0])
    else:
        raise ValueError(f"no picture for samples of shape {tuple(samples.shape)}")
    return plots.with_caption(img, caption) if caption else img


def save_picture(path: str | Path, samples: torch.Tensor, real: torch.Tensor | None = None,
                 caption: str | None = None, columns: int | None = None) -> Path:
    """Write :func:`picture` of the samples as a PNG, atomically."""
    return save_image(path, picture(samples, real, caption, columns))


def save_image(path: str | Path, img: Image.Image) -> Path:
    """Write a PIL image as a PNG, atomically."""
    return atomic_write(path, lambda f: img.save(f, format="PNG"))
