"""The tables of a tabular report, prepared once: checked, per-column values or shared category codes,
and model features. The layer under :mod:`ganforge.tabular.report`'s metrics."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ganforge.errors import DataError


NUMERIC_KINDS = ("continuous", "integer", "datetime")
_MISSING = "<missing>"


# ----------------------------------------------------------------------------- preparation


def _check_tables(real: pd.DataFrame, others: Mapping[str, pd.DataFrame | None]) -> dict[str, pd.DataFrame]:
    """Every table as a DataFrame with the real table's columns, in its order."""
    if not isinstance(real, pd.DataFrame):
        raise DataError(f"the real table must be a pandas DataFrame, got {type(real).__name__}")
    if real.shape[1] == 0 or len(real) == 0:
        raise DataError("the real table is empty")
    out = {"real": real.rename(columns=str)}
    cols = list(out["real"].columns)
    for name, df in others.items():
        if df is None:
            continue
        if not isinstance(df, pd.DataFrame):
            raise DataError(f"the {name} table must be a pandas DataFrame, got {type(df).__name__}")
        df = df.rename(columns=str)
        missing = [c for c in cols if c not in df.columns]
        extra = [c for c in df.columns if c not in cols]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing from {name}: {', '.join(map(repr, missing))}")
            if extra:
                parts.append(f"only in {name}: {', '.join(map(repr, extra))}")
            raise DataError(f"the {name} table's columns differ from the real table's ({'; '.join(parts)})")
        if len(df) == 0:
            raise DataError(f"the {name} table has no rows")
        out[name] = df[cols]
    return out


def _numeric_values(s: pd.Series, kind: str) -> np.ndarray:
    """float64 values (NaN = missing or unparsable); datetimes as nanoseconds since the epoch."""
    if kind == "datetime":
        if not pd.api.types.is_datetime64_any_dtype(s.dtype):
            s = pd.to_datetime(s, errors="coerce")
        if getattr(s.dtype, "tz", None) is not None:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        ns = s.to_numpy(dtype="datetime64[ns]")
        out = ns.astype(np.int64).astype(np.float64)
        out[np.isnat(ns)] = np.nan
        return out
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(float).to_numpy(dtype=np.float64, na_value=np.nan)
    if not pd.api.types.is_numeric_dtype(s.dtype):
        s = pd.to_numeric(s, errors="coerce")
    x = np.array(s.to_numpy(dtype=np.float64, na_value=np.nan))  # a writable copy
    x[~np.isfinite(x)] = np.nan
    return x


def _canon(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, float, np.integer, np.floating)):
        return repr(float(v))
    return str(v)


def _keys(s: pd.Series) -> np.ndarray:
    """Comparable category keys: numbers rendered as floats (9 and 9.0 alike), other values as str."""
    missing = s.isna().to_numpy()
    codes, uniques = pd.factorize(s.astype(object))
    lookup = np.array([_canon(u) for u in np.asarray(uniques, dtype=object)] + [_MISSING], dtype=object)
    keys = lookup[codes]  # code -1 (missing) picks the last entry
    keys[missing] = _MISSING
    return keys


class _Columns:
    """Per-column values of several tables, prepared once: float arrays or shared category codes."""

    def __init__(self, tables: dict[str, pd.DataFrame], kinds: dict[str, str]):
        self.tables = tables
        self.kinds = kinds
        self.numeric: dict[str, dict[str, np.ndarray]] = {}
        self.codes: dict[str, dict[str, np.ndarray]] = {}
        self.labels: dict[str, list[str]] = {}
        for col, kind in kinds.items():
            if kind in NUMERIC_KINDS:
                self.numeric[col] = {t: _numeric_values(df[col], kind) for t, df in tables.items()}
            else:
                keys = {t: _keys(df[col]) for t, df in tables.items()}
                codes, uniques = pd.factorize(np.concatenate(list(keys.values())))
                pos = 0
                self.codes[col] = {}
                for t, k in keys.items():
                    self.codes[col][t] = codes[pos:pos + len(k)]
                    pos += len(k)
                self.labels[col] = [str(u) for u in uniques]


def _limited(fn):
    """Run ``fn`` with at most ``threads`` BLAS/OpenMP threads (keyword, default 1; None = no limit)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, threads: int | None = 1, **kwargs):
        if threads is None:
            return fn(*args, **kwargs)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(threads):
            return fn(*args, **kwargs)

    return wrapper



# ----------------------------------------------------------------------------- features


class _Features:
    """Rows -> float matrix: numeric columns scaled (``"standard"`` or SDGym's ``"sdgym"``) with a
    missing indicator where the reference has missing values, discrete columns one-hot (the
    ``max_categories`` most frequent reference values; the rest share a last column)."""

    def __init__(self, cols: _Columns, ref: str, scale: str = "standard", exclude: Sequence[str] = (),
                 max_categories: int = 50):
        self.cols, self.scale = cols, scale
        self.parts = []
        for col, kind in cols.kinds.items():
            if col in exclude:
                continue
            if kind in NUMERIC_KINDS:
                x = cols.numeric[col][ref]
                ok = x[~np.isnan(x)]
                fill = float(np.median(ok)) if len(ok) else 0.0
                lo, hi = (float(ok.min()), float(ok.max())) if len(ok) else (0.0, 1.0)
                mean, std = (float(ok.mean()), float(ok.std())) if len(ok) else (0.0, 1.0)
                log = scale == "sdgym" and lo >= 0 and hi >= 1e3
                self.parts.append(("num", col, fill, lo, hi, mean, std or 1.0, log, bool(np.isnan(x).any())))
            else:
                codes = cols.codes[col][ref]
                counts = np.bincount(codes, minlength=len(cols.labels[col]))
                top = np.argsort(-counts, kind="stable")[:max_categories]
                top = top[counts[top] > 0]
                lookup = np.full(len(cols.labels[col]), len(top), dtype=np.int64)
                lookup[top] = np.arange(len(top))
                self.parts.append(("cat", col, lookup, len(top) + 1))

    def __call__(self, table: str, rows: np.ndarray | None = None) -> np.ndarray:
        blocks = []
        for part in self.parts:
            if part[0] == "num":
                _, col, fill, lo, hi, mean, std, log, ind = part
                x = self.cols.numeric[col][table]
                x = x if rows is None else x[rows]
                miss = np.isnan(x)
                x = np.where(miss, fill, x)
                if self.scale == "sdgym":
                    x = np.log(np.maximum(x, 1e-2)) if log else (x - lo) / ((hi - lo) or 1.0) * 5
                else:
                    x = (x - mean) / std
                blocks.append(x[:, None])
                if ind:
                    blocks.append(miss[:, None].astype(np.float64))
            else:
                _, col, lookup, width = part
                c = self.cols.codes[col][table]
                c = lookup[c if rows is None else c[rows]]
                oh = np.zeros((len(c), width))
                oh[np.arange(len(c)), c] = 1.0
                blocks.append(oh)
        return np.hstack(blocks).astype(np.float32) if blocks else np.zeros((0, 0), np.float32)


def _sample_rows(n: int, cap: int | None, rng) -> np.ndarray:
    if cap is None or n <= cap:
        return np.arange(n)
    return np.sort(rng.choice(n, cap, replace=False))
