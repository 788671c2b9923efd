"""Reading and writing tables (CSV, TSV, Parquet) with errors that name the file.

``read_table`` accepts ``.csv``, ``.tsv``, ``.txt`` and ``.data`` text tables (and any other
name whose bytes are text, e.g. UCI's ``adult.test``), optionally compressed (``.gz``, ``.bz2``,
``.xz``, ``.zip``, ``.zst``), and ``.parquet`` / ``.pq`` files (Parquet needs ``pyarrow``);
names of known non-table files (``.npz``, ``.json``, ``.png``, ``.pt``, ...) are refused. Anything else -- a missing file, a folder, an empty file, a binary
file, a file pandas cannot parse, a table without rows -- raises
:class:`ganforge.data.DataError` naming the file.

Tables as they come: a text table whose first row looks like data (UCI's ``adult.data``) is refused
with a message pointing at ``header=None`` / ``names=`` (``--no-header`` / ``--names`` on the
command line); ``na_values`` replaces pandas' default missing-value markers (so a real category
``NA`` survives), and without it categories that look like markers (``?``, ``-``, ``missing``)
get a :class:`TableWarning`. ``write_table(..., escape_formulas=True)`` defuses spreadsheet
formulas in text cells.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
import warnings
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ganforge.errors import DataError
from ganforge.tabular.read_options import add_read_arguments, read_arguments  # noqa: F401 (re-exported)

__all__ = ["read_table", "write_table", "escape_formulas", "TableWarning", "add_read_arguments", "read_arguments",
           "TEXT_SUFFIXES", "PARQUET_SUFFIXES"]

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".data")
PARQUET_SUFFIXES = (".parquet", ".pq")
_NOT_TABLES = (".npy", ".npz", ".json", ".jsonl", ".yaml", ".yml", ".png", ".jpg", ".jpeg", ".gif", ".bmp",
               ".pt", ".pth", ".ckpt", ".safetensors", ".pkl", ".pickle", ".h5", ".hdf5", ".xlsx", ".xls",
               ".zip", ".tar", ".py", ".html", ".pdf")
_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".zip": None, ".zst": None}


def _file_format(path: Path) -> tuple[str, str | None]:
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


class TableWarning(UserWarning):
    """A table was read, but something in it looks unintended (e.g. a missing-value marker as a category)."""


# Text that usually means "no value" and that pandas' default markers do not catch (compared lower-case).
MISSING_MARKERS = frozenset({"?", "??", "-", "--", "---", ".", "missing", "none", "nil", "null", "na", "n/a",
                             "n.a.", "nan", "#n/a"})
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_LAYOUT = ("sep", "delimiter", "skiprows", "comment", "encoding", "quotechar", "skipinitialspace", "compression",
           "engine", "lineterminator", "escapechar")  # options that decide where the first row is


def read_table(path: str | os.PathLike, *, header: Any = "infer", names: Sequence[str] | None = None,
               na_values: str | Sequence[str] | None = None, **kwargs) -> pd.DataFrame:
    """A table from a CSV/TSV (optionally compressed) or Parquet file.

    Text tables default to ``sep=","`` (``"\\t"`` for ``.tsv``) and ``skipinitialspace=True``; other
    keyword arguments go to ``pandas.read_csv`` / ``read_parquet``.

    Args:
        header: ``"infer"`` (default): the first row is the header, unless ``names`` are given; a
            first row that looks like data (every name a number, or every name a value of its
            column) raises :class:`DataError`. ``None``/``False``: there is no header row; columns
            are named ``names`` or ``col1``, ``col2``... ``0``/``True``: the first row is the header,
            unchecked (replaced by ``names`` when given).
        names: the column names of a file without a header row. A first row that repeats them is
            taken as the header, so a table written with these names reads back the same way.
        na_values: the markers of a missing value (with the empty cell), replacing pandas' defaults
            (``NA``, ``null``, ``None``, ``nan``...), so a real category ``NA`` stays a category.
            Without it, pandas' defaults apply and categories that look like markers (``?``, ``-``)
            get a :class:`TableWarning`.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a table file")
    file_format, comp = _file_format(path)
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty")
    names = _names(path, names)
    if file_format == "parquet":
        try:
            df = pd.read_parquet(path, **kwargs)
        except ImportError as exc:
            raise DataError(f"{path}: reading Parquet needs pyarrow (pip install pyarrow): {exc}") from None
        except Exception as exc:  # pyarrow raises its own error types for a bad file
            raise DataError(f"{path}: not a readable Parquet file: {exc}") from None
        if names is not None:
            df = _renamed(path, df, names)
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
        if na_values is not None:
            kwargs.setdefault("keep_default_na", False)
            kwargs["na_values"] = [na_values] if isinstance(na_values, str) else list(na_values)
            if not kwargs["keep_default_na"]:
                kwargs["na_values"].append("")  # an empty cell is always missing
        check = header == "infer" and names is None
        if header is False or (header == "infer" and names is not None):
            header = None
        elif header is True:
            header = 0
        if header is None:
            first = _csv(path, header=None, nrows=1, dtype=str, keep_default_na=False,
                         **{k: v for k, v in kwargs.items() if k in _LAYOUT})
            width = first.shape[1]
            names = names if names is not None else [f"col{i + 1}" for i in range(width)]
            if len(names) != width:
                raise DataError(f"{path}: {len(names)} names given for a table of {width} columns")
            if [str(v).strip() for v in first.iloc[0]] == list(names):
                header = 0  # the first row repeats the names: it is their header
        df = _csv(path, header=header, **({"names": names} if names is not None else {}), **kwargs)
        if check:
            _check_header(path, df)
        if na_values is None:
            _warn_markers(path, df)
    if df.shape[1] == 0:
        raise DataError(f"{path}: the table has no columns")
    if len(df) == 0:
        raise DataError(f"{path}: the table has a header but no rows")
    return df


def _csv(path: Path, **kwargs) -> pd.DataFrame:
    try:
        return pd.read_csv(path, **kwargs)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file holds no table (no columns)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot be parsed as a table: {str(exc).strip()}") from None


def _names(path: Path, names: Sequence[str] | str | None) -> list[str] | None:
    if names is None:
        return None
    names = [n.strip() for n in names.split(",")] if isinstance(names, str) else [str(n) for n in names]
    if not names or any(not n for n in names):
        raise DataError(f"{path}: names must be non-empty column names; got {names!r}")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise DataError(f"{path}: names gives {', '.join(map(repr, twice))} more than once")
    return names


def _renamed(path: Path, df: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    if len(names) != df.shape[1]:
        raise DataError(f"{path}: {len(names)} names given for a table of {df.shape[1]} columns")
    return df.set_axis(names, axis=1)


def _header_evidence(name: str, column: pd.Series) -> bool | None:
    """Whether the header cell ``name`` looks like a cell of its column: True (a number over numbers,
    or one of the column's values), False (a word over numbers: a real header), None (no evidence)."""
    number = bool(_NUMBER.fullmatch(name))
    if re.fullmatch(r"Unnamed: \d+", name):  # an empty header cell
        return None
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return number
    values = column.dropna().astype(str).str.strip()
    if number:  # a number over text that is mostly numbers (e.g. a column with '?' markers)
        return bool(values.str.fullmatch(_NUMBER.pattern).mean() > 0.5) if len(values) else None
    return bool(values.eq(name).any() or values.eq(re.sub(r"\.\d+$", "", name)).any())  # pandas adds .1 to repeats


def _check_header(path: Path, df: pd.DataFrame) -> None:
    """Refuse a header row that looks like the first row of data (UCI's ``adult.data`` has none).

    It does when no numeric column has a word for a name and either every name is a number or at
    least half of the text columns' names are values found in their columns.
    """
    cells = [str(c).strip() for c in df.columns]
    evidence = [_header_evidence(c, df[col]) for c, col in zip(cells, df.columns)]
    numeric = [pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col])
               for col in df.columns]
    if any(e is False and n for e, n in zip(evidence, numeric)):
        return
    text = [e for e, n in zip(evidence, numeric) if not n and e is not None]
    numbers = all(_NUMBER.fullmatch(c) for c in cells)
    if numbers or (text and sum(text) >= len(text) / 2) or (not text and any(numeric)):
        shown = ", ".join(cells[:6]) + (", ..." if len(cells) > 6 else "")
        why = "every column name is a number" if numbers else "its names look like values of their columns"
        raise DataError(
            f"{path}: the first row ({shown}) looks like data, not a header ({why}). If the file has no "
            f"header, pass --no-header or --names NAME1,NAME2,... (Python: header=None or names=[...]); if "
            f"that row is the header, pass --header (Python: header=0)")


def _warn_markers(path: Path, df: pd.DataFrame) -> None:
    """Warn about text categories that look like missing-value markers (``?`` in UCI Adult)."""
    found: dict[str, list[str]] = {}
    for col in df.columns:
        if df[col].dtype == object or isinstance(df[col].dtype, (pd.CategoricalDtype, pd.StringDtype)):
            for value in df[col].dropna().unique():
                if isinstance(value, str) and value.strip().lower() in MISSING_MARKERS:
                    found.setdefault(value.strip(), []).append(str(col))
    if found:
        where = "; ".join(f"{v!r} in {', '.join(cols[:4])}{', ...' if len(cols) > 4 else ''}"
                          for v, cols in found.items())
        markers = ",".join(found)
        warnings.warn(f"{path}: categories that look like missing-value markers: {where}. If they mean 'missing', "
                      f"pass --na-values '{markers}' (Python: na_values=[...]); then only those (and empty cells) "
                      f"mark missing values", TableWarning, stacklevel=3)


def write_table(df: pd.DataFrame, path: str | os.PathLike, *, escape_formulas: bool = False, **kwargs) -> Path:
    """Write ``df`` atomically as CSV (``.csv``, ``.tsv``, optionally ``.gz``) or Parquet, by suffix.

    ``escape_formulas``: text cells and column names of a CSV that a spreadsheet would run as a
    formula get a leading ``'`` (see :func:`escape_formulas`).
    """
    from ganforge.io import atomic_write

    path = Path(path)
    file_format, comp = _file_format(path)
    if file_format == "parquet":
        buf = io.BytesIO()
        try:
            df.to_parquet(buf, **kwargs)
        except ImportError as exc:
            raise DataError(f"{path}: writing Parquet needs pyarrow (pip install pyarrow): {exc}") from None
        data = buf.getvalue()
    else:
        kwargs.setdefault("index", False)
        kwargs.setdefault("sep", "\t" if ".tsv" in [s.lower() for s in path.suffixes] else ",")
        text = (_escaped(df) if escape_formulas else df).to_csv(**kwargs).encode("utf-8")
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


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formulas(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is escaped (OWASP's
    advice against CSV injection); numbers, and text that is a plain number such as ``-3.5``, are not.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value


def _escaped(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with :func:`escape_formulas` applied to its text columns and its column names."""
    out = df.rename(columns=escape_formulas)
    for i, dtype in enumerate(out.dtypes):
        if dtype == object or isinstance(dtype, (pd.CategoricalDtype, pd.StringDtype)):
            out.isetitem(i, out.iloc[:, i].astype(object).map(escape_formulas))
    return out
