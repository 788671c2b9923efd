"""Identifier columns: detection, and fresh values of the same format at sampling.

A column is an identifier when at least ``FORMAT_SHARE`` of its values are UUIDs, e-mail
addresses or phone numbers, or when (nearly) every value is distinct: text with at least
``UNIQUE_SHARE`` distinct values, or whole numbers that are all distinct and either nearly
consecutive (a row number) or in a column named like an id. The GAN does not learn such a
column: the model keeps its *format*, never a value, and sampling draws fresh values of that
format, distinct within a sample (or the column is dropped, as the user chooses).

Codes and phone numbers are described by templates of runs -- a run of digits or letters of a
fixed length (a number without leading zeros: the widths seen), or one other character
(``"C000123"``: ``C`` then 6 digits). A run that is the same in at least ``min_count`` values
is written literally (the ``C``, a shared area code). Of the other digit runs, the one with the
most room draws numbers above every training number of that run (``C002100`` onwards when the
training codes end at ``C002000``; ``user700`` onwards after ``user0`` ... ``user699``), so a
fresh code cannot be a training code. Where no run has room (random codes filling their space), values are drawn
from the template's whole space, and the chance that one is a training value -- at most the
training values over the size of the space -- is stated. E-mail addresses get a fresh local part
(a template as above) at a domain shared by at least ``min_count`` training values, or at
``example.com`` (a domain reserved for examples). Whole-number ids are drawn above the training
ones; UUIDs are fresh version-4 UUIDs.
"""

from __future__ import annotations

import re
import string

import numpy as np
import pandas as pd

__all__ = ["describe", "detect", "draw", "learn"]

MIN_VALUES = 20  # fewer non-missing values: too few to tell an identifier
UNIQUE_SHARE = 0.95
FORMAT_SHARE = 0.95
MAX_TEMPLATES = 50
SAMPLE = 5000  # values tried for a format
FALLBACK_DOMAIN = "example.com"

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_EMAIL = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"
_PHONE = r"\+?[\d\s().-]{7,20}"
_ID_NAME = re.compile(r"(?:^|[\W_])(?:id|uuid|guid|key)$|[a-z](?:Id|ID)$", re.IGNORECASE)
_RUN = re.compile(r"\d+|[^\W\d_]+|.", re.DOTALL)


# ----------------------------------------------------------------------------- detection


def detect(s: pd.Series) -> tuple[str, str] | None:
    """``(format, reason)`` if column ``s`` holds identifiers, else ``None``.

    Formats: ``"uuid"``, ``"email"``, ``"phone"``, ``"code"`` (distinct text), ``"integer"``.
    """
    values = s.dropna()
    n = len(values)
    dtype = s.dtype
    if n < MIN_VALUES or pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype) \
            or pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return None
    if pd.api.types.is_numeric_dtype(dtype):
        x = values.to_numpy(dtype=np.float64)
        if not (np.all(np.isfinite(x)) and np.all(x == np.round(x))) or np.unique(x).size < n:
            return None
        if x.max() - x.min() + 1 <= 2 * n:
            return "integer", f"all {n} values are distinct, nearly consecutive whole numbers"
        if _ID_NAME.search(str(s.name)):
            return "integer", f"all {n} values are distinct whole numbers, in a column named like an id"
        return None
    text = values.astype(str)
    head = text.iloc[:SAMPLE]
    phone = head.str.fullmatch(_PHONE) & (head.str.count(r"\d") >= 7) & head.str.contains(r"[\s()+.-]")
    for fmt, hits, label in (("uuid", head.str.fullmatch(_UUID), "UUIDs"),
                             ("email", head.str.fullmatch(_EMAIL), "e-mail addresses"),
                             ("phone", phone, "phone numbers")):
        share = float(hits.mean())
        if share >= FORMAT_SHARE:
            return fmt, f"{share:.0%} of the values are {label}"
    distinct = text.nunique()
    if distinct >= UNIQUE_SHARE * n:
        return "code", f"{distinct} of {n} values are distinct ({distinct / n:.0%})"
    return None


# ----------------------------------------------------------------------------- learning


def _round_up(v: int) -> int:
    """The smallest number above ``v - 1`` with two significant digits (``2001`` -> ``2100``)."""
    v = max(int(v), 1)
    step = 10 ** max(len(str(v)) - 2, 0)
    return -(-v // step) * step


def _shape(value: str) -> tuple:
    runs = []
    for r in _RUN.findall(value):
        if r[0].isdigit():  # zero-padded: a fixed width; else a number of any width
            runs.append(("9", len(r)) if r[0] == "0" and len(r) > 1 else ("#", 0))
        elif r[0].isalpha():
            runs.append(("a", "".join("A" if c.isupper() else "a" for c in r)))
        else:
            runs.append(("=", r))
    return tuple(runs)


def _templates(values: pd.Series, min_count: int) -> list[dict]:
    """Run templates of text ``values`` (see the module docs); holds no value seen fewer than ``min_count`` times."""
    shapes = values.map(_shape)
    counts = shapes.value_counts()
    total = int(counts.iloc[:MAX_TEMPLATES].sum())
    out = []
    for key, c in counts.iloc[:MAX_TEMPLATES].items():
        members = values[shapes == key].map(_RUN.findall)
        runs, best, best_room = [], -1, 0
        for i, (cls, pattern) in enumerate(key):
            parts = members.str[i]
            if cls == "=" or (c >= min_count and parts.nunique() == 1):
                runs.append({"literal": parts.iloc[0] if cls != "=" else pattern})
            elif cls == "a":
                runs.append({"letters": pattern})
            else:
                bound = _round_up(parts.astype(int).max() + 1)
                if cls == "9":
                    runs.append({"digits": pattern, "from": bound})
                else:
                    widths = [int(parts.str.len().min()), int(parts.str.len().max())]
                    runs.append({"number": bound, "widths": widths})
                room = 10 ** (pattern if cls == "9" else widths[1]) - bound
                if room > best_room:
                    best, best_room = len(runs) - 1, room
        space = 1.0
        for j, r in enumerate(runs):
            if "letters" in r:
                space *= 26.0 ** len(r["letters"])
            elif "number" in r:
                space *= float(best_room) if j == best else float(r["number"] - _low(r))
            elif "digits" in r:
                space *= float(best_room) if j == best else 10.0 ** r["digits"]
                if j != best:
                    r["from"] = 0
        out.append({"weight": c / total, "runs": runs, "fresh": best,
                    "collision": 0.0 if best >= 0 else min(1.0, c / space)})
    return out


def learn(s: pd.Series, fmt: str, reason: str, min_count: int) -> dict:
    """The JSON description of identifier column ``s`` of format ``fmt``: formats and counts, no values."""
    values = s.dropna()
    spec: dict = {"format": fmt, "reason": reason, "collision": 0.0}
    if fmt == "integer":
        x = values.to_numpy(dtype=np.float64)
        spec["from"] = _round_up(int(x.max()) + 1)
        spec["span"] = _round_up(int(x.max() - x.min()) + 1)
    elif fmt == "uuid":
        spec["upper"] = bool(values.astype(str).str.isupper().mean() > 0.5)
    elif fmt == "email":
        text = values.astype(str)
        local, domain = text.str.rpartition("@")[0], text.str.rpartition("@")[2].str.lower()
        counts = domain.value_counts()
        common = counts[counts >= min_count]
        spec["domains"] = [[d, float(c / len(text))] for d, c in common.items()]
        spec["domains"].append([FALLBACK_DOMAIN, float(1.0 - common.sum() / len(text))])
        spec["local"] = _templates(local, min_count)
    else:
        spec["templates"] = _templates(values.astype(str), min_count)
    parts = spec.get("local") or spec.get("templates") or []
    spec["collision"] = max([t["collision"] for t in parts], default=0.0)
    return spec


def describe(spec: dict) -> str:
    """One line for the column table: why it is an identifier and what sampling gives."""
    chance = spec.get("collision", 0.0)
    fresh = "fresh values" + (f" (chance one is a training value <= {chance:.2g})" if chance else "")
    return f"{spec['reason']}; {fresh}"


# ----------------------------------------------------------------------------- drawing


def _low(run: dict) -> int:
    """The smallest number of a run's narrowest training width (0 for one digit)."""
    return 10 ** (run["widths"][0] - 1) if run["widths"][0] > 1 else 0


def _draw_template(t: dict, n: int, rng: np.random.Generator) -> np.ndarray:
    out = np.full(n, "", dtype=object)
    for j, r in enumerate(t["runs"]):
        if "literal" in r:
            part = np.full(n, r["literal"], dtype=object)
        elif "letters" in r:
            pattern = r["letters"]
            codes = rng.integers(0, 26, (n, len(pattern)))
            table = np.array([list(string.ascii_uppercase if c == "A" else string.ascii_lowercase) for c in pattern])
            chars = table[np.arange(len(pattern)), codes]
            part = np.array(["".join(row) for row in chars], dtype=object)
        elif "number" in r:  # above every training number when fresh, else of the training widths
            bound, width = r["number"], r["widths"][1]
            lo, hi = (bound, max(10 ** width, bound + 2 * n)) if j == t["fresh"] else (_low(r), bound)
            part = np.array([str(v) for v in rng.integers(lo, hi, n)], dtype=object)
        else:
            width, lo = r["digits"], r["from"] if j == t["fresh"] else 0
            hi = max(10 ** width, lo + 2 * n) if j == t["fresh"] else 10 ** width
            part = np.array([str(v).zfill(width) for v in rng.integers(lo, hi, n)], dtype=object)
        out = out + part
    return out


def _draw_once(spec: dict, n: int, rng: np.random.Generator) -> np.ndarray:
    fmt = spec["format"]
    if fmt == "integer":
        lo = int(spec["from"])
        return rng.integers(lo, lo + max(int(spec["span"]), 2 * n), n)
    if fmt == "uuid":
        b = rng.integers(0, 256, (n, 16), dtype=np.uint8)
        b[:, 6] = (b[:, 6] & 0x0F) | 0x40
        b[:, 8] = (b[:, 8] & 0x3F) | 0x80
        h = [row.tobytes().hex() for row in b]
        out = np.array([f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}" for x in h], dtype=object)
        return np.array([x.upper() for x in out], dtype=object) if spec.get("upper") else out
    templates = spec["local"] if fmt == "email" else spec["templates"]
    pick = rng.choice(len(templates), n, p=_normalised([t["weight"] for t in templates]))
    out = np.empty(n, dtype=object)
    for k, t in enumerate(templates):
        rows = np.flatnonzero(pick == k)
        if len(rows):
            out[rows] = _draw_template(t, len(rows), rng)
    if fmt == "email":
        domains = [d for d, _ in spec["domains"]]
        at = rng.choice(len(domains), n, p=_normalised([w for _, w in spec["domains"]]))
        out = out + "@" + np.asarray(domains, dtype=object)[at]
    return out


def _normalised(w) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    return w / w.sum()


def draw(spec: dict, n: int, rng: np.random.Generator, tries: int = 20) -> np.ndarray:
    """``n`` fresh values of the format ``spec`` describes, distinct from one another."""
    out = _draw_once(spec, n, rng)
    for _ in range(tries):
        dup = pd.Series(out).duplicated().to_numpy()
        if not dup.any():
            break
        out[dup] = _draw_once(spec, int(dup.sum()), rng)
    return out
