"""Column kinds of a table: detection from dtypes and cardinality, overrides, validation.

The five kinds:

* ``"continuous"`` -- real numbers (float dtypes);
* ``"integer"``    -- whole numbers with many distinct values (int dtypes, or floats whose
  values are all whole, as pandas stores an integer column with missing values);
* ``"discrete"``   -- categories (object / string / category / bool dtypes, and whole-number
  columns with at most ``max_discrete_int`` distinct values);
* ``"datetime"``   -- timestamps (datetime64 dtypes, with or without a time zone, and text
  columns whose every value is a date in one of :data:`.datetimes.FORMATS`);
* ``"identifier"`` -- ids, e-mail addresses, phone numbers, UUIDs: columns whose values are
  (nearly) all distinct or have such a format (:mod:`.identifiers`). Not learnt: sampling draws
  fresh values of the same format.

:func:`describe_columns` renders the column table a fit prints: kind, dtype, width and what was
learnt, with the reason a column was taken for an identifier.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ganforge.errors import DataError

from . import identifiers
from .datetimes import UNITS, detect_format

__all__ = ["KINDS", "MAX_DISCRETE_INT", "decimals", "describe_columns", "detect_kind", "resolve_kinds"]

KINDS = ("continuous", "integer", "discrete", "datetime", "identifier")
MAX_DECIMALS = 6

# Whole-number columns with at most this many distinct values are treated as categories.
MAX_DISCRETE_INT = 10


def _is_datetime(s: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(s.dtype)


def _whole(values: np.ndarray) -> bool:
    return bool(len(values)) and bool(np.all(np.isfinite(values))) and bool(np.all(values == np.round(values)))


def detect_kind(s: pd.Series, max_discrete_int: int = MAX_DISCRETE_INT) -> str:
    """The kind of one column, from its dtype and (for numbers) its cardinality.

    datetime64 and text dates -> ``datetime``; identifiers (:func:`.identifiers.detect`) ->
    ``identifier``; other text, category and bool columns -> ``discrete``; integers (and floats
    whose values are all whole) -> ``discrete`` if they have at most ``max_discrete_int``
    distinct values, else ``integer``; other floats -> ``continuous``.
    """
    dtype = s.dtype
    if _is_datetime(s) or detect_format(s):
        return "datetime"
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return "discrete"
    if identifiers.detect(s):
        return "identifier"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        values = s.dropna().to_numpy(dtype=np.float64, na_value=np.nan)
        integral = pd.api.types.is_integer_dtype(dtype) or _whole(values)
        if integral:
            return "discrete" if pd.unique(values).size <= max_discrete_int else "integer"
        return "continuous"
    return "discrete"


def resolve_kinds(
    df: pd.DataFrame,
    discrete_columns: Sequence[str] | None = None,
    column_kinds: Mapping[str, str] | None = None,
    max_discrete_int: int = MAX_DISCRETE_INT,
) -> dict[str, str]:
    """``{column: kind}`` for every column of ``df``, in order.

    Detected kinds (:func:`detect_kind`) are overridden by ``discrete_columns`` (forced
    discrete) and then by ``column_kinds``. An unknown column name or kind raises
    :class:`DataError` naming it.
    """
    if isinstance(discrete_columns, str):
        discrete_columns = [discrete_columns]
    names = [str(c) for c in df.columns]
    known = set(names)

    def check(col, where: str) -> str:
        if not isinstance(col, str) or col not in known:
            shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
            raise DataError(f"unknown column {col!r} in {where}; the table's columns are: {shown}")
        return col

    for col in discrete_columns or ():
        check(col, "discrete_columns")
    for col, kind in (column_kinds or {}).items():
        check(col, "column_kinds")
        if kind not in KINDS:
            raise DataError(f"column {col!r}: unknown kind {kind!r}; kinds are {', '.join(KINDS)}")

    kinds = {}
    for name in names:
        if column_kinds and name in column_kinds:
            kinds[name] = column_kinds[name]
        elif discrete_columns and name in discrete_columns:
            kinds[name] = "discrete"
        else:
            kinds[name] = detect_kind(df[name], max_discrete_int)
    return kinds


def decimals(x: np.ndarray, dtype) -> int | None:
    """The most decimals any of the values ``x`` was written with (``None``: more than ``MAX_DECIMALS``)."""
    x = x[np.isfinite(x)]
    rtol = 1e-6 if np.dtype(dtype).itemsize < 8 else 1e-12
    for d in range(MAX_DECIMALS + 1):
        if np.allclose(np.round(x, d), x, rtol=rtol, atol=0):
            return d
    return None


def _fmt(v) -> str:
    if v is None:
        return "-"
    if float(v) == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.4g}"


def _fmt_time(v: float, spec) -> str:
    t = pd.Timestamp(int(v) * dict(UNITS)[spec.unit])
    if spec.datetime_format:
        return t.strftime(spec.datetime_format)
    return str(t.tz_localize("UTC").tz_convert(spec.tz) if spec.tz else t)


def _details(c) -> list[str]:
    if c.kind == "identifier":
        return [identifiers.describe(c.identifier) if c.identifier else "dropped (not sampled)"]
    parts = []
    if c.kind == "discrete":
        parts.append(f"{len(c.categories)} categories")
        if c.other:
            rare = f"{c.n_rare} seen < {c.min_count} times, sampled as {c.rare_marker!r}" if c.n_rare else ""
            tail = f"{c.n_unique - len(c.categories) - c.n_rare} resampled" if c.tail_values else ""
            parts.append(f"+ other ({'; '.join(p for p in (tail, rare) if p)}: "
                         f"{c.category_freqs[len(c.categories)]:.1%})")
        return parts
    if c.has_continuous:
        lo, hi = (_fmt(c.min), _fmt(c.max)) if c.kind != "datetime" else (_fmt_time(c.min, c), _fmt_time(c.max, c))
        parts.append(f"{len(c.means)} modes on [{lo}, {hi}]")
    for v, r in zip(c.point_masses, c.point_mass_rates):
        parts.append(f"point mass {_fmt(v)} ({r:.1%})")
    if c.decimals is not None:
        parts.append(f"{c.decimals} decimals")
    if c.unit:
        parts.append(f"unit {c.unit}" + (f" {c.tz}" if c.tz else ""))
    if c.datetime_format:
        parts.append(f"text as {c.datetime_format!r}")
    return parts


def describe_columns(columns: Sequence, widths: Mapping[str, int], total: int) -> str:
    """The column table: ``columns`` (ColumnSpecs), ``widths`` of each in the matrix, ``total`` width."""
    rows = [("column", "kind", "dtype", "width", "details")]
    for c in columns:
        parts = _details(c)
        if c.has_missing:
            parts.append(f"missing {c.missing_rate:.1%}")
        rows.append((c.name, c.kind, c.dtype, str(widths.get(c.name, 0)), ", ".join(parts)))
    rows.append(("total", "", "", str(total), f"{len(columns)} columns"))
    size = [max(len(r[j]) for r in rows) for j in range(4)]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(v.ljust(size[j]) if j != 3 else v.rjust(size[j])
                               for j, v in enumerate(r[:4])) + "  " + r[4])
        if k == 0 or k == len(rows) - 2:
            lines.append("-" * (sum(size) + 8 + max(len(r[4]) for r in rows)))
    return "\n".join(line.rstrip() for line in lines)
