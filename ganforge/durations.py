"""Durations a user writes (``90``, ``"90s"``, ``"4.5m"``, ``"1h30m"``) and how they are shown."""

from __future__ import annotations

import math
import re
from typing import NewType

from ganforge.errors import ConfigError

__all__ = ["Duration", "format_duration", "parse_duration"]

#: A config field of this type holds seconds and accepts the strings :func:`parse_duration` reads.
Duration = NewType("Duration", float)

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}


def parse_duration(value: str | float | int | None, what: str = "time budget") -> float | None:
    """Seconds from ``90``, ``"90"``, ``"90s"``, ``"3m"``, ``"1h30m"`` or ``"2.5min"``; ``None`` stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConfigError(f"{what} must be seconds or a duration like '3m'; got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip().lower().replace(" ", "")
        parts = re.findall(r"(\d+(?:\.\d*)?|\.\d+)(h|min|m|sec|s)?", text)
        if not text or "".join(n + u for n, u in parts) != text:
            raise ConfigError(f"cannot read the {what} {value!r}; write seconds or e.g. '90s', '3m', '1h30m'")
        if len(parts) > 1 and any(not u for _, u in parts):
            raise ConfigError(f"cannot read the {what} {value!r}: give every number a unit (h, m, s)")
        seconds = sum(float(n) * _UNITS[u or "s"] for n, u in parts)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"{what} must be a positive duration; got {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """``'45 s'``, ``'4m30s'``, ``'1h05m'``: short, for progress lines."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
