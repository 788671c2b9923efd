"""Reading and writing tables (CSV, TSV, Parquet) with errors that name the file.

``read_table`` accepts ``.csv``, ``.tsv``, ``.txt`` and ``.data`` text tables (and any other
name whose bytes are text, e.g. UCI's ``adult.test``), optionally compressed (``.gz``, ``.bz2``,
``.xz``, ``.zip``, ``.zst``), and ``.parquet`` / ``.pq`` files (Parquet needs ``pyarrow``);
names of known non-table files (``.npz``, ``.json``, ``.png``, ``.pt``, ...) are refused. Anything else -- a missing file, a folder, an empty file, a binary
file, a file pandas cannot parse, a table without rows -- raises
:class:`ganforge.data.DataError` naming the file.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
from pathlib import Path

import pandas as pd

from ganforge.data.errors import DataError

__all__ = ["read_table", "write_table", "TEXT_SUFFIXES", "PARQUET_SUFFIXES"]

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".data")
PARQUET_SUFFIXES = (".parquet", ".pq")
_NOT_TABLES = (".npy", ".npz", ".json", ".jsonl", ".yaml", ".yml", ".png", ".jpg", ".jpeg", ".gif", ".bmp",
               ".pt", ".pth", ".ckpt", ".safetensors", ".pkl", ".pickle", ".h5", ".hdf5", ".xlsx", ".xls",
               ".zip", ".tar", ".py", ".html", ".pdf")
_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".zip": None, ".zst": None}


def _kind(path: Path) -> tuple[str, str | None]:
    """("text" | "parquet", compression suffix or None) from the file name."""
    suffixes = [s.lower() for s in path.suffixes]
    comp = suffixes[-1] if suffixes and suffixes[-1] in _COMPRESSED else None
    base = suffixes[-2] if comp and len(suffixes) >= 2 else (suffixes[-1] if suffixes and not comp else "")
    if base in PARQUET_SUFFIXES and comp is None:
        return "parquet", None
    if base in TEXT_SUFFIXES or (base not in _NOT_TABLES and base not in PARQUET_SUFFIXES):
        return "text", comp  # other names (adult.test, data.dat): read as text if the bytes are text
    raise DataError(
        f"{path}: unsupported file type {''.join(path.suffixes) or '(no extension)'!r}; expected a table: "
        f"{', '.join(TEXT_SUFFIXES + PARQUET_SUFFIXES)} (text tables may be compressed: "
        f"{', '.join(_COMPRESSED)})"
    )


def _head(path: Path, comp: str | None, n: int = 8192) -> bytes:
    opener = _COMPRESSED.get(comp) if comp else open
    if opener is None:  # zip / zstd: let pandas read it
        return b""
    try:
        with opener(path, "rb") as f:
            return f.read(n)
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise DataError(f"{path}: cannot read it as a {comp or 'text'} file: {exc}") from None


def read_table(path: str | os.PathLike, **kwargs) -> pd.DataFrame:
    """A table from a CSV/TSV (optionally compressed) or Parquet file.

    Keyword arguments go to ``pandas.read_csv`` / ``read_parquet``. Text tables default to
    ``sep=","`` (``"\\t"`` for ``.tsv``) and ``skipinitialspace=True``; pass ``na_values`` for
    markers of missing values beyond pandas' defaults (e.g. ``"?"``).
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a table file")
    kind, comp = _kind(path)
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty")
    if kind == "parquet":
        try:
            df = pd.read_parquet(path, **kwargs)
        except ImportError as exc:
            raise DataError(f"{path}: reading Parquet needs pyarrow (pip install pyarrow): {exc}") from None
        except Exception as exc:  # pyarrow raises its own error types for a bad file
            raise DataError(f"{path}: not a readable Parquet file: {exc}") from None
    else:
        head = _head(path, comp)
        if b"\x00" in head:
            raise DataError(f"{path}: looks like a binary file, not a text table")
        try:
            head.decode(kwargs.get("encoding", "utf-8"))
        except UnicodeDecodeError as exc:
            if len(head) - exc.start > 4:  # not just a multi-byte character cut at the end
                raise DataError(f"{path}: not a {kwargs.get('encoding', 'utf-8')} text table ({exc.reason} "
                                f"at byte {exc.start})") from None
        kwargs.setdefault("sep", "\t" if path.name.lower().split(".")[-2 if comp else -1] == "tsv" else ",")
        kwargs.setdefault("skipinitialspace", True)
        try:
            df = pd.read_csv(path, **kwargs)
        except pd.errors.EmptyDataError:
            raise DataError(f"{path}: the file holds no table (no columns)") from None
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError, EOFError) as exc:
            raise DataError(f"{path}: cannot be parsed as a table: {str(exc).strip()}") from None
    if df.shape[1] == 0:
        raise DataError(f"{path}: the table has no columns")
    if len(df) == 0:
        raise DataError(f"{path}: the table has a header but no rows")
    return df


def write_table(df: pd.DataFrame, path: str | os.PathLike, **kwargs) -> Path:
    """Write ``df`` atomically as CSV (``.csv``, ``.tsv``, optionally ``.gz``) or Parquet, by suffix."""
    from ganforge.io import atomic_write

    path = Path(path)
    kind, comp = _kind(path)
    if kind == "parquet":
        buf = io.BytesIO()
        try:
            df.to_parquet(buf, **kwargs)
        except ImportError as exc:
            raise DataError(f"{path}: writing Parquet needs pyarrow (pip install pyarrow): {exc}") from None
        data = buf.getvalue()
    else:
        kwargs.setdefault("index", False)
        kwargs.setdefault("sep", "\t" if ".tsv" in [s.lower() for s in path.suffixes] else ",")
        text = df.to_csv(**kwargs).encode("utf-8")
        if comp == ".gz":
            data = gzip.compress(text)
        elif comp == ".bz2":
            data = bz2.compress(text)
        elif comp == ".xz":
            data = lzma.compress(text)
        elif comp is None:
            data = text
        else:
            raise DataError(f"{path}: writing {comp} files is not supported; use .csv, .csv.gz or .parquet")
    return atomic_write(path, lambda f: f.write(data))
