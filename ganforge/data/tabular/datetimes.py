"""Dates and times written as text (as a CSV file holds them): detect the format, parse, write back.

A text column is a datetime column when every one of its values (a sample of at most
``SAMPLE`` distinct ones is tried) parses with one of :data:`FORMATS`; the first format that
fits wins, so an ambiguous ``05/03/2021`` is read day first. The transformer then models the
column as timestamps and writes sampled values back as text in the same format.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ganforge.errors import DataError

__all__ = ["FORMATS", "UNITS", "detect_format", "format_times", "parse_times"]

# units a datetime column is counted in, with their size in nanoseconds (the coarsest whole one is used)
UNITS = (("D", 86_400 * 10**9), ("h", 3_600 * 10**9), ("m", 60 * 10**9), ("s", 10**9),
         ("ms", 10**6), ("us", 10**3), ("ns", 1))

FORMATS = (
    "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%SZ", "%Y/%m/%d", "%Y/%m/%d %H:%M:%S",
    "%d/%m/%Y", "%m/%d/%Y", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S",
    "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d-%m-%Y", "%d %b %Y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y",
)
SAMPLE = 500


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)


def detect_format(s: pd.Series) -> str | None:
    """The :data:`FORMATS` entry every value of text column ``s`` parses with, or ``None``."""
    if not _is_text(s) or isinstance(s.dtype, pd.CategoricalDtype):
        return None
    values = pd.Series(pd.unique(s.dropna().to_numpy(dtype=object)))
    if values.empty or not values.map(lambda v: isinstance(v, str)).all():
        return None
    values = values.iloc[:SAMPLE].str.strip()
    if not values.str.contains(r"\d", regex=True).all():
        return None
    for fmt in FORMATS:
        if pd.to_datetime(values, format=fmt, errors="coerce").notna().all():
            return fmt
    return None


def parse_times(s: pd.Series, fmt: str, name: str) -> pd.Series:
    """Text column ``s`` as ``datetime64``; a value that does not fit ``fmt`` raises DataError naming it."""
    text = s.astype(object).where(s.notna(), None).map(lambda v: v.strip() if isinstance(v, str) else v)
    out = pd.to_datetime(text, format=fmt, errors="coerce")
    bad = out.isna() & s.notna()
    if bad.any():
        row = bad.idxmax()
        raise DataError(f"column {name!r} holds dates written as {fmt!r}, but row {row!r} has {s[row]!r}")
    return out


def format_times(times: pd.Series, fmt: str) -> pd.Series:
    """Timestamps as text in ``fmt`` (missing stays missing), an object column like the source."""
    return times.dt.strftime(fmt).astype(object).where(times.notna(), np.nan)
