"""Column values in and out of the tabular transformer: checking a frame, reading numbers and datetimes,
restoring the source dtypes, and the small conversions the transformer shares."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pandas as pd

from ganforge.errors import DataError

from .datetimes import UNITS as _DT_UNITS, format_times
from .spec import ColumnSpec


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    return v


def _plain(v: Any) -> bool:
    return v is None or isinstance(v, (str, bool, int, float))


def _dtype_str(dtype) -> str:
    return str(dtype)


def _n_workers(n_jobs: int, tasks: int) -> int:
    cpus = os.cpu_count() or 1
    if n_jobs is None or n_jobs == 0:
        n = 1
    elif n_jobs < 0:
        n = max(1, cpus + 1 + n_jobs)
    else:
        n = n_jobs
    return max(1, min(n, tasks, cpus))


def _is_missing(v) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return bool(isinstance(v, float) and math.isnan(v))
    except TypeError:
        return False


def _category_index(cats: list) -> pd.Index:
    idx = np.empty(len(cats), dtype=object)
    idx[:] = cats
    return pd.Index(idx, dtype=object)


def _check_frame(df, what: str, allow_empty_rows: bool = False) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{what} expects a pandas DataFrame, got {type(df).__name__}")
    if df.shape[1] == 0:
        raise DataError(f"{what}: the table has no columns")
    if len(df) == 0 and not allow_empty_rows:
        raise DataError(f"{what}: the table has no rows")
    if df.columns.duplicated().any():
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise DataError(f"{what}: duplicate column names: {', '.join(dup)}")
    if not all(isinstance(c, str) for c in df.columns):
        df = df.rename(columns=str)
    return df


def _numeric(s: pd.Series, name: str) -> np.ndarray:
    """A column as float64 (NaN for missing); non-numbers and infinities raise DataError."""
    if pd.api.types.is_bool_dtype(s.dtype):
        x = s.astype(float).to_numpy(dtype=np.float64, na_value=np.nan)
    elif pd.api.types.is_numeric_dtype(s.dtype):
        x = s.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        try:
            x = pd.to_numeric(s, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        except (ValueError, TypeError):
            coerced = pd.to_numeric(s, errors="coerce")
            bad = s[coerced.isna() & s.notna()]
            raise DataError(f"column {name!r} is treated as numeric but holds {bad.iloc[0]!r} "
                            f"(row {bad.index[0]!r}); declare it discrete or clean it") from None
    inf = np.isinf(x)
    if inf.any():
        row = s.index[int(np.flatnonzero(inf)[0])]
        raise DataError(f"column {name!r} has {int(inf.sum())} infinite values (first at row {row!r}); "
                        "infinity is not supported (use NaN for a missing value)")
    return x


def _datetime_ns(s: pd.Series, name: str, tz: str | None = "?") -> tuple[np.ndarray, str | None]:
    """Timestamps as int64 nanoseconds since the epoch (UTC for aware columns) and the column's zone."""
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        try:
            s = pd.to_datetime(s, errors="raise")
        except (ValueError, TypeError) as exc:
            raise DataError(f"column {name!r} is treated as datetime but cannot be parsed: {exc}") from None
    zone = getattr(s.dtype, "tz", None)
    if zone is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = s.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return ns, (None if zone is None else str(zone))


def _restore_numeric(spec: ColumnSpec, values: np.ndarray, missing: np.ndarray):
    if spec.kind == "datetime":
        ns = values.astype(np.int64) * dict(_DT_UNITS)[spec.unit]
        out = pd.Series(ns.astype("datetime64[ns]"))
        out[missing] = pd.NaT
        if spec.tz:
            out = out.dt.tz_localize("UTC").dt.tz_convert(spec.tz)
        if spec.datetime_format:
            return format_times(out, spec.datetime_format)
        try:
            return out.astype(spec.dtype)
        except (TypeError, ValueError):
            return out
    dtype = spec.dtype
    if missing.any():
        values = values.astype(np.float64)
        values[missing] = np.nan
        try:
            return pd.array(values, dtype=dtype) if dtype[:1].isupper() else pd.Series(values).astype(
                dtype if dtype.startswith("float") else "float64")
        except (TypeError, ValueError):
            return pd.Series(values)
    try:
        if dtype[:1].isupper():  # nullable extension dtypes (Int64, Float64, ...)
            return pd.array(values, dtype=dtype)
        if np.dtype(dtype).kind in "iu":
            return np.round(values).astype(dtype)
        return values.astype(dtype)
    except (TypeError, ValueError):
        return values


def _restore_discrete(spec: ColumnSpec, values: np.ndarray, missing: np.ndarray):
    dtype = spec.dtype
    if dtype == "category":
        cats = spec.dtype_categories
        if cats is None:
            cats = list(spec.categories) + [v for v in (spec.tail_values or []) if v not in spec.categories]
        if spec.rare_marker is not None and spec.rare_marker not in cats:
            cats = list(cats) + [spec.rare_marker]
        vals = np.where(missing, None, values)
        return pd.Categorical(vals, categories=_category_index(cats), ordered=spec.ordered)
    s = pd.Series(values, dtype=object)
    if spec.as_str or dtype == "object":
        return s
    if missing.any() and dtype[:1] in "iub":  # a pooled rare value, written as missing: a nullable dtype
        dtype = "boolean" if dtype == "bool" else dtype.capitalize().replace("Uint", "UInt")
    try:
        return s.astype(dtype)
    except (TypeError, ValueError):
        return s
