"""Column kinds of a table: detection from dtypes and cardinality, overrides, validation.

The four kinds:

* ``"continuous"`` -- real numbers (float dtypes);
* ``"integer"``    -- whole numbers with many distinct values (int dtypes, or floats whose
  values are all whole, as pandas stores an integer column with missing values);
* ``"discrete"``   -- categories (object / string / category / bool dtypes, and whole-number
  columns with at most ``max_discrete_int`` distinct values);
* ``"datetime"``   -- timestamps (datetime64 dtypes, with or without a time zone).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ganforge.data.errors import DataError

__all__ = ["KINDS", "MAX_DISCRETE_INT", "detect_kind", "resolve_kinds"]

KINDS = ("continuous", "integer", "discrete", "datetime")

# Whole-number columns with at most this many distinct values are treated as categories.
MAX_DISCRETE_INT = 10


def _is_datetime(s: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(s.dtype)


def _whole(values: np.ndarray) -> bool:
    return bool(len(values)) and bool(np.all(np.isfinite(values))) and bool(np.all(values == np.round(values)))


def detect_kind(s: pd.Series, max_discrete_int: int = MAX_DISCRETE_INT) -> str:
    """The kind of one column, from its dtype and (for numbers) its cardinality.

    object / string / category / bool -> ``discrete``; datetime64 -> ``datetime``; integers
    (and floats whose values are all whole) -> ``discrete`` if they have at most
    ``max_discrete_int`` distinct values, else ``integer``; other floats -> ``continuous``.
    """
    dtype = s.dtype
    if _is_datetime(s):
        return "datetime"
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return "discrete"
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
