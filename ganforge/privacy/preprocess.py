"""Differentially private preprocessing: every data-dependent choice of the tabular transformer, from a
stated share of the budget or from public metadata.

The transformer learns ranges, mixture modes, point masses, category lists and frequencies from the
table it is fitted on. In the private path it is fitted on a *surrogate* table instead: rows drawn,
column by column, from differentially private one-way summaries of the real table. Everything the
transformer (and the sampler's category frequencies) then holds is post-processing of those
summaries, so the preprocessing costs exactly the budget spent on them, and that is written in the
ledger. Per column, with ``eps`` its share (the preprocessing share split evenly over the columns)
and ``delta`` its share of the preprocessing delta:

* **kind** from the dtype (the schema is public), never from the values; identifiers are the columns
  the user names (no detection from the values: on a small table noisy counts would call any column an
  identifier). An identifier's format (e-mail, UUID, phone, integer, code) is the noisy arg-max of
  Laplace counts (a row moves each of the five counts by at most 1); its fresh values follow a public
  template of that format, never the data. An undeclared identifier is modelled as a category column,
  whose values (each held by one row) the stability histogram never releases.
* **discrete**: categories (missing counted as one) by a stability histogram: Laplace(1 / eps') on
  each seen category's count, released when above ``1 + log(1 / delta) / eps'`` -- (eps', delta)-DP
  (a category held by one row passes with probability at most delta). Unreleased ones are pooled.
* **numeric**: half for exact values (a stability histogram again: the point masses, e.g. Adult's
  zeros of capital-gain), half for a histogram over fixed bins of ``sign(x) log(1 + |x|)`` (width
  :data:`BIN_WIDTH`), each bin's noisy count kept when above a threshold that an empty bin passes
  with probability 5% over all bins; the range is that of the kept bins, values drawn uniformly
  within them. The missing count is one more Laplace count.

With public metadata (``{"column": {"categories": [...]}}`` or ``{"range": [lo, hi]}``) a column's
categories or range are taken as given and only their frequencies are noised. The number of rows is
treated as public, as DP-SGD's sample rate (batch / rows) does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ganforge.data.tabular import identifiers as ids
from ganforge.errors import DataError

__all__ = ["PrivateSummary", "private_summary", "public_kinds", "POOLED"]

BIN_WIDTH = 0.5  # in sign(x) * log1p(|x|): bins about 65% wide in relative terms, one around 0
MAX_T = 30.0  # |x| up to about 1e13
SURROGATE_ROWS = 20_000
POOLED = "<other>"  # a text column's unreleased categories
POINT_MASS_SHARE = 0.05  # exact values released with at least this noisy share are kept exact
_PUBLIC_SAMPLES = {
    "email": lambda n: [f"user{i:07d}@example.com" for i in range(n)],
    "uuid": lambda n: [f"{i:08x}-0000-4000-8000-000000000000" for i in range(n)],
    "phone": lambda n: [f"+1 555 {i:07d}" for i in range(n)],
    "integer": lambda n: list(range(10 ** 12, 10 ** 12 + n)),
    "code": lambda n: [f"ID{i:010d}" for i in range(n)],
}


def public_kinds(df: pd.DataFrame, column_kinds: Mapping[str, str] | None = None,
                 discrete_columns: Sequence[str] | None = None) -> dict[str, str]:
    """Column kinds from the dtypes alone (and the user's overrides): no value is read."""
    from ganforge.data.tabular.columns import resolve_kinds

    given = dict(column_kinds or {})
    for c in discrete_columns or ():
        given.setdefault(c, "discrete")
    resolve_kinds(df.head(0), None, given)  # names and kinds checked, nothing detected
    kinds = {}
    for name in df.columns:
        dtype = df[name].dtype
        if name in given:
            kinds[name] = given[name]
        elif pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            kinds[name] = "discrete"
        elif pd.api.types.is_integer_dtype(dtype):
            kinds[name] = "integer"
        else:
            kinds[name] = "continuous"
        if kinds[name] == "datetime" or pd.api.types.is_datetime64_any_dtype(dtype):
            raise DataError(f"column {name!r} holds dates; the private path does not model dates yet: give it as "
                            "numbers (e.g. days since a public date) or drop it")
    return kinds


def _laplace(rng: np.random.Generator, scale: float, size=None):
    return rng.laplace(0.0, scale, size)


def _stability_histogram(counts: pd.Series, eps: float, delta: float, rng) -> pd.Series:
    """Noisy counts of the keys whose noisy count clears ``1 + log(1/delta)/eps`` ((eps, delta)-DP)."""
    noisy = counts.astype(float) + _laplace(rng, 1.0 / eps, len(counts))
    return noisy[noisy > 1.0 + math.log(1.0 / delta) / eps]


@dataclass
class PrivateSummary:
    """What the private path learns of a table: kinds, a surrogate to fit the transformer on, a mapping
    of the real table onto what was released, and the ledger of the budget each step spent."""

    kinds: dict[str, str]
    surrogate: pd.DataFrame
    released: dict[str, dict[str, Any]] = field(default_factory=dict)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    identifiers: dict[str, dict] = field(default_factory=dict)

    def prepare(self, df: pd.DataFrame, transformer: Any = None) -> pd.DataFrame:
        """The real table in the released vocabulary: unreleased categories pooled, missing values where
        none were released imputed, numbers clipped to the released range, and, where ``transformer``
        (fitted on the surrogate) holds only exact values of a column, snapped to the nearest of them --
        so nothing the transformer holds is re-derived from the rows."""
        out = df.copy()
        for col, info in self.released.items():
            s = out[col]
            if "categories" in info:
                keep = s.isin(info["categories"]) | (s.isna() & info["missing"])
                out[col] = s.where(keep, info["pool"]).astype(self.surrogate[col].dtype, errors="ignore")
            elif "range" in info:
                lo, hi = info["range"]
                x = pd.to_numeric(s, errors="coerce").clip(lo, hi)
                spec = transformer._by_name.get(col) if transformer is not None else None
                if spec is not None and not spec.has_continuous and spec.point_masses:
                    # the transformer saw only exact values here: each real value goes to the nearest one
                    grid = np.asarray(spec.point_masses, dtype=float)
                    near = grid[np.abs(x.to_numpy()[:, None] - grid[None, :]).argmin(1)]
                    x = x.where(x.isna(), pd.Series(near, index=x.index))
                if not info["missing"]:
                    x = x.fillna(info["fill"])
                out[col] = x.astype(self.surrogate[col].dtype) if not x.isna().any() else x
        return out

    @property
    def epsilon(self) -> float:
        return float(sum(e["epsilon"] for e in self.ledger))

    @property
    def delta(self) -> float:
        return float(sum(e["delta"] for e in self.ledger))


def _identifier_check(s: pd.Series, eps: float, rng) -> tuple[str | None, float]:
    """(format or None, noisy share) from five Laplace counts -- values, distinct values, e-mails, UUIDs,
    phone numbers; a row moves each by at most 1, so Laplace(5 / eps) is eps-DP."""
    text = s.dropna().astype(str)
    phone = text.str.fullmatch(ids._PHONE) & (text.str.count(r"\d") >= 7)
    counts = np.array([len(text), text.nunique(), text.str.fullmatch(ids._EMAIL).sum(),
                       text.str.fullmatch(ids._UUID).sum(), phone.sum()], dtype=float)
    noisy = counts + _laplace(rng, 5.0 / eps, 5)
    n = max(noisy[0], 1.0)
    shares = noisy[1:] / n
    fmt_i = int(np.argmax(shares[1:]))
    if shares[1 + fmt_i] >= ids.FORMAT_SHARE:
        return ("email", "uuid", "phone")[fmt_i], float(shares[1 + fmt_i])
    if shares[0] >= ids.UNIQUE_SHARE:
        return ("integer" if pd.api.types.is_integer_dtype(s.dtype) else "code"), float(shares[0])
    return None, float(max(shares))


def _public_identifier(fmt: str, reason: str) -> dict:
    sample = pd.Series(_PUBLIC_SAMPLES[fmt](1000))
    spec = ids.learn(sample, fmt, reason, min_count=5)
    return spec


_MISSING = "\x00missing"  # the missing values' key among a column's category counts


def _discrete(s: pd.Series, eps: float, delta: float, rng, public: Mapping | None, n_rows: int):
    missing = s.isna()
    counts = s[~missing].value_counts()
    counts = pd.concat([counts, pd.Series([int(missing.sum())], index=[_MISSING])])
    text = not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype))
    if public and "categories" in public:
        keys = list(public["categories"]) + [_MISSING]
        full = pd.Series([float(counts.get(c, 0)) for c in keys], index=keys)
        noisy = full + _laplace(rng, 1.0 / eps, len(full))
        noisy = noisy[noisy > math.log(10) / eps]  # post-processing: drop counts that are mostly noise
        noisy = pd.concat([noisy.drop(index=[_MISSING], errors="ignore").reindex(public["categories"]).fillna(0.0)
                           .clip(lower=0.0), noisy.loc[noisy.index == _MISSING]])
        how = f"public categories, Laplace counts (eps {eps:.4g})"
        d = 0.0
    else:
        noisy = _stability_histogram(counts, eps, delta, rng)
        how = f"stability histogram (eps {eps:.4g}, delta {delta:.3g})"
        d = delta
    has_missing = bool(_MISSING in noisy.index and noisy[_MISSING] > 0)
    released = [c for c in noisy.index if not (isinstance(c, str) and c == _MISSING)]
    total_released = float(noisy.sum())
    # pooled: what the released categories do not cover (at least 0.1% of the rows, so that the slot exists
    # for values outside the released or public list)
    pooled = max(n_rows - total_released, 1e-3 * n_rows)
    pool = POOLED if text else (np.nan if has_missing or not released else released[0])
    values, weights = list(released), [float(noisy[c]) for c in released]
    if has_missing:
        values.append(np.nan)
        weights.append(float(noisy[_MISSING]))
    if text and pooled > 0:
        values.append(POOLED)
        weights.append(pooled)
    if not values:
        values, weights = ([POOLED] if text else [np.nan]), [1.0]
    # the share the pooled slot truly holds: the remainder, unless it is within the noise of the released counts
    # (two sds of their sum; a binary column whose two values are released then samples no "<other>")
    noise = 2 * math.sqrt(2 * len(noisy)) / eps
    info = {"categories": released, "missing": bool(has_missing), "pool": pool,
            "pooled_share": float(n_rows - total_released) / n_rows if n_rows - total_released > noise else 0.0}
    return values, weights, info, how, d


def _numeric(s: pd.Series, kind: str, eps: float, delta: float, rng, public: Mapping | None, n_rows: int):
    x = pd.to_numeric(s, errors="coerce")
    missing = x.isna().to_numpy()
    v = x[~missing].to_numpy(dtype=float)
    e_missing, e_exact, e_bins = eps * 0.1, eps * 0.45, eps * 0.45
    noisy_missing = float(missing.sum() + _laplace(rng, 1.0 / e_missing))
    if noisy_missing < math.log(10) / e_missing:  # an absent missing count passes with probability 5%
        noisy_missing = 0.0
    exact = _stability_histogram(pd.Series(v).value_counts(), e_exact, delta, rng)
    t = np.sign(v) * np.log1p(np.abs(v))
    edges = np.arange(-MAX_T - BIN_WIDTH / 2, MAX_T + BIN_WIDTH, BIN_WIDTH)
    hist = np.histogram(np.clip(t, -MAX_T, MAX_T), edges)[0].astype(float)
    if public and "range" in public:
        lo_t, hi_t = (np.sign(b) * np.log1p(abs(b)) for b in public["range"])
        inside = (edges[1:] > lo_t) & (edges[:-1] < hi_t)
        noisy = np.where(inside, np.clip(hist + _laplace(rng, 1.0 / e_bins, len(hist)), 0, None), 0.0)
        if not noisy.sum():
            noisy = inside.astype(float)
    else:
        scale = 1.0 / e_bins
        threshold = scale * math.log(len(hist) / (2 * 0.05))  # an empty bin passes with prob. 5% / bins
        noisy = hist + _laplace(rng, scale, len(hist))
        noisy = np.where(noisy > threshold, noisy, 0.0)
    masses = exact[exact >= POINT_MASS_SHARE * n_rows]
    bins = np.clip(np.searchsorted(edges, np.sign(masses.index) * np.log1p(np.abs(masses.index))) - 1, 0, len(hist) - 1)
    for b, c in zip(bins, masses.to_numpy()):
        noisy[b] = max(noisy[b] - c, 0.0)
    kept = np.flatnonzero(noisy > 0)
    if public and "range" in public:
        lo, hi = (float(b) for b in public["range"])
    elif len(kept) or len(masses):
        ends = [edges[kept[0]], edges[kept[-1] + 1]] if len(kept) else []
        cand = [np.sign(e) * np.expm1(abs(e)) for e in ends] + [float(m) for m in masses.index]
        lo, hi = min(cand), max(cand)
    else:
        lo = hi = 0.0
    if kind == "integer" and len(kept):
        lo, hi = math.floor(lo), math.ceil(hi)
    draw_bins = (kept, noisy[kept]) if len(kept) else (np.zeros(0, int), np.zeros(0))
    fill = float(masses.index[np.argmax(masses.to_numpy())]) if len(masses) else (lo + hi) / 2
    info = {"range": [float(lo), float(hi)], "missing": noisy_missing > 0, "fill": fill,
            "point_masses": [float(m) for m in masses.index]}

    if not len(kept) and not len(masses):  # nothing released: a constant column, missing values filled
        noisy_missing, info["missing"] = 0.0, False
    how = (f"missing count, exact-value stability histogram, binned histogram (eps {eps:.4g}, delta {delta:.3g})"
           + (" within the public range" if public and "range" in public else ""))

    def draw(n: int) -> np.ndarray:
        w_bins, w_mass = draw_bins[1].sum(), masses.to_numpy().sum()
        w_miss = max(noisy_missing, 0.0) if info["missing"] else 0.0
        total = w_bins + w_mass + w_miss
        if total <= 0:
            return np.full(n, fill)
        part = rng.choice(3, n, p=np.array([w_bins, w_mass, w_miss]) / total)
        out = np.full(n, np.nan)
        k = part == 0
        if k.any():
            b = rng.choice(draw_bins[0], k.sum(), p=draw_bins[1] / w_bins)
            tt = edges[b] + rng.random(k.sum()) * BIN_WIDTH
            out[k] = np.clip(np.sign(tt) * np.expm1(np.abs(tt)), lo, hi)
        k = part == 1
        if k.any():
            out[k] = rng.choice(masses.index.to_numpy(dtype=float), k.sum(), p=masses.to_numpy() / w_mass)
        if kind == "integer":
            out = np.round(out)
        return out
    return draw, info, how


def private_summary(df: pd.DataFrame, kinds: Mapping[str, str], epsilon: float, delta: float, seed: int = 0,
                    metadata: Mapping[str, Mapping] | None = None, id_columns: Sequence[str] = (),
                    rows: int = SURROGATE_ROWS) -> PrivateSummary:
    """DP summaries of every column of ``df`` within (``epsilon``, ``delta``), as a :class:`PrivateSummary`."""
    if not epsilon > 0 or not 0 < delta < 1:
        raise DataError(f"the preprocessing budget must be epsilon > 0 and 0 < delta < 1; got {epsilon}, {delta}")
    metadata = dict(metadata or {})
    unknown = sorted(set(metadata) - set(df.columns))
    if unknown:
        raise DataError(f"public metadata names columns the table does not have: {', '.join(unknown)}")
    rng = np.random.default_rng([seed, 17])
    n = len(df)
    cols = list(df.columns)
    eps_col, delta_col = epsilon / len(cols), delta / len(cols)
    kinds = dict(kinds)
    summary = PrivateSummary(kinds=kinds, surrogate=pd.DataFrame(index=range(rows)))
    for col in cols:
        s = df[col]
        public = metadata.get(col)
        if col in id_columns or kinds[col] == "identifier":
            fmt, share = _identifier_check(s, eps_col, rng)
            fmt = fmt or ("integer" if pd.api.types.is_integer_dtype(s.dtype) else "code")
            kinds[col] = "identifier"
            summary.identifiers[col] = _public_identifier(fmt, "declared an identifier; format by noisy counts")
            summary.ledger.append({"step": f"{col}: identifier format", "epsilon": eps_col, "delta": 0.0,
                                   "how": f"noisy arg-max of format counts -> {fmt}"})
            summary.surrogate[col] = pd.Series(_PUBLIC_SAMPLES[fmt](rows))
            continue
        eps_left = eps_col
        if kinds[col] == "discrete":
            values, weights, info, how, d = _discrete(s, eps_left, delta_col, rng, public, n)
            w = np.asarray(weights, dtype=float)
            pick = rng.choice(len(values), rows, p=w / w.sum())
            arr = np.empty(len(values), dtype=object)
            arr[:] = values
            drawn = pd.Series(arr[pick])
            if pd.api.types.is_bool_dtype(s.dtype) and not info["missing"]:
                drawn = drawn.astype(bool)
            summary.surrogate[col] = drawn
        else:
            draw, info, how = _numeric(s, kinds[col], eps_left, delta_col, rng, public, n)
            d = delta_col
            values = draw(rows)
            dtype = s.dtype if kinds[col] == "integer" and not np.isnan(values).any() else float
            summary.surrogate[col] = pd.Series(values).astype(dtype)
        summary.released[col] = info
        summary.ledger.append({"step": f"{col}: {kinds[col]} summary", "epsilon": eps_left, "delta": d, "how": how})
    return summary

