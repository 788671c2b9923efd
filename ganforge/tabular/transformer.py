"""The tabular data transformer: a table <-> a float32 matrix a GAN can learn.

Per column (see :class:`ColumnSpec` for what is stored, :class:`Span` for the layout):

* **continuous / integer / datetime** -- mode-specific normalisation as in CTGAN (Xu et al.
  2019): a variational Gaussian mixture (scikit-learn ``BayesianGaussianMixture``, Dirichlet
  process prior with concentration ``1e-3``, up to ``max_modes`` components, modes with
  weight > ``weight_threshold`` kept) is fitted to the column; a value ``x`` becomes a scalar
  ``alpha = (x - mu_k) / (4 sigma_k)`` clipped to [-1, 1] (span role ``"value"``, tanh) and
  the one-hot of its mode ``k`` (role ``"mode"``, softmax), ``k`` drawn from the posterior
  over modes. Inverse: ``mu_k + 4 sigma_k alpha`` for the arg-max mode, rounded for integer
  and datetime columns, clipped to the observed range (unless ``clip=False``).

  *Point masses* -- values that make up at least ``point_mass_threshold`` of a column (up to
  ``max_point_masses`` of them; e.g. the 92% zeros of Adult's capital-gain) -- and *missing
  values* get a softmax block (role ``"point_mass"``, slots: ``[continuous] + point masses +
  [missing]``; role ``"missing"``, slots ``[present, missing]``, when the column has missing
  values but no point mass). The mixture is fitted only on the other values; the inverse
  writes the point-mass value exactly, or a missing value, when its slot wins. In rows that
  are a point mass or missing, the value/mode blocks hold the encoding of a random
  continuous row of the same batch, so they carry no information a discriminator could use.

  Datetimes are counted in the coarsest unit in which every value is whole (days, hours,
  ..., nanoseconds; UTC for time-zone aware columns) and treated as integers; dates read from
  text (:mod:`.datetimes`) are written back as text in their format. Continuous values are
  rounded to the most decimals the column was written with (at most 6).

* **discrete** -- one softmax block (role ``"category"``) with one slot per category, in
  order of training frequency, plus an ``"other"`` slot and a missing slot where needed.
  *Rare values* -- seen fewer than ``min_category_count`` times -- are never stored: they share
  the ``"other"`` slot, and a draw of them is written as ``"<other>"`` in a text column and as a
  missing value in any other, never as one of them, so a model file is not a list of the rare,
  identifying values of its training data. High cardinality: a column with more than
  ``max_categories`` frequent values keeps its ``max_categories - 1`` most frequent ones; the
  rest join the ``"other"`` slot, which the inverse resamples from their empirical distribution
  (an at most ``max_tail``-row random sample of them, stored with the transformer). The width --
  and the memory of the transformed matrix -- is bounded by ``max_categories`` per column.

* **identifier** -- no span: the column's format is stored (:mod:`.identifiers`) and the
  inverse draws fresh values of it, distinct within a call; with ``identifiers="drop"`` the
  column is left out of the inverse.

Fitting subsamples each mixture's data to ``fit_rows`` rows and fits the columns' mixtures in
parallel (``n_jobs`` worker processes); point-mass rates, category frequencies and ranges use
all rows. ``transform`` and ``inverse_transform`` are vectorised NumPy (no per-row Python)
and deterministic for a given ``seed``. ``to_dict`` / ``from_dict`` are plain JSON.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ganforge.data.errors import DataError

from . import identifiers as ids
from .columns import KINDS, MAX_DISCRETE_INT, decimals, describe_columns, resolve_kinds
from .datetimes import UNITS as _DT_UNITS, detect_format, format_times, parse_times
from .mixture import cover, fit_mixture

__all__ = ["ColumnSpec", "Span", "TabularTransformer"]

FORMAT = "ganforge.TabularTransformer"
VERSION = 1
RARE_MARKER = "<other>"  # what a draw of a text column's pooled rare values is written as
IDENTIFIERS = ("generate", "drop")


@dataclass
class ColumnSpec:
    """What the transformer learned about one source column (JSON-serialisable via ``asdict``)."""

    name: str
    kind: str  # "continuous" | "integer" | "discrete" | "datetime" | "identifier"
    dtype: str  # the source dtype, restored by inverse_transform
    missing_rate: float = 0.0
    has_missing: bool = False
    # discrete
    categories: list | None = None  # kept categories, in slot order (most frequent first)
    category_freqs: list[float] | None = None  # training share of every slot of the block
    other: bool = False  # an "other" slot follows the kept categories
    n_unique: int = 0  # distinct non-missing values seen in training
    tail_values: list | None = None  # "other": a sample of the tail's values ...
    tail_weights: list[float] | None = None  # ... and their sampling weights
    as_str: bool = False  # categories were not JSON scalars and are compared as strings
    dtype_categories: list | None = None  # a pandas category dtype's categories ...
    ordered: bool = False  # ... and whether it is ordered
    # continuous, integer, datetime
    has_continuous: bool = False  # some values are not point masses (value/mode blocks exist)
    continuous_rate: float = 0.0
    weights: list[float] | None = None  # the kept mixture modes
    means: list[float] | None = None
    stds: list[float] | None = None
    min: float | None = None  # range of the continuous part (clipping bounds)
    max: float | None = None
    point_masses: list[float] = field(default_factory=list)
    point_mass_rates: list[float] = field(default_factory=list)
    unit: str | None = None  # datetime: the unit values are counted in
    tz: str | None = None  # datetime: the time zone of an aware column
    datetime_format: str | None = None  # datetime read from text: its format, used to write values back
    decimals: int | None = None  # continuous: decimals the values were written with (the inverse rounds)
    # rare values (seen < min_count times): pooled into "other", never stored
    min_count: int = 1
    n_rare: int = 0  # how many distinct values were pooled so
    rare_share: float = 0.0  # share of "other" draws that are rare values (written as rare_marker)
    rare_marker: str | None = None  # RARE_MARKER in a text column; None (a missing value) otherwise
    identifier: dict | None = None  # identifier: its format (identifiers.learn); None when dropped

    @property
    def selector_slots(self) -> list[str]:
        """Slot labels of a numeric column's point-mass / missing block (empty if it has none)."""
        if self.kind in ("discrete", "identifier"):
            return []
        slots = (["continuous"] if self.has_continuous else []) + [repr(v) for v in self.point_masses]
        slots += ["missing"] if self.has_missing else []
        if slots == ["continuous"]:
            return []
        if not self.point_masses and self.has_missing:
            return ["present", "missing"]
        return slots

    @property
    def category_slots(self) -> list:
        """Slot labels of a discrete column's block: categories, then "other", then missing."""
        return list(self.categories or []) + (["<other>"] if self.other else []) + (
            [None] if self.has_missing else [])


@dataclass
class Span:
    """One block of the transformed vector."""

    column: str
    start: int
    width: int
    activation: str  # "tanh" (a scalar in [-1, 1]) or "softmax" (a one-hot block)
    role: str  # "value" | "mode" | "category" | "missing" | "point_mass"


# ----------------------------------------------------------------------------- helpers


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


# ----------------------------------------------------------------------------- transformer


class TabularTransformer:
    """Table <-> float32 matrix: mode-specific normalisation, one-hot categories (module docs).

    Parameters: ``max_modes`` mixture components per numeric column; ``max_categories`` the
    most slots of one discrete column (more distinct values -> top ``max_categories - 1`` plus
    "other"); ``fit_rows`` rows each mixture is fitted on (a random subsample; ``None`` = all);
    ``n_jobs`` worker threads for the mixtures (``-1`` = every CPU); ``seed`` makes fit and
    transform reproducible; ``clip`` keeps inverse values inside the observed range;
    ``point_mass_threshold`` the share at which one exact value becomes a point mass (``None``
    or 0 = never); ``max_point_masses`` at most this many per column; ``weight_threshold`` the
    weight below which a mixture mode is dropped; ``max_discrete_int`` whole-number columns with
    at most this many distinct values are detected as discrete; ``max_tail`` rows of a
    high-cardinality column's tail kept for resampling "other"; ``min_category_count`` categories
    seen fewer times are pooled into "other" and never stored nor sampled (1: keep every one);
    ``identifiers`` ``"generate"`` fresh values for identifier columns or ``"drop"`` them.
    """

    def __init__(
        self,
        max_modes: int = 10,
        max_categories: int = 1000,
        fit_rows: int | None = 10_000,
        n_jobs: int = -1,
        seed: int = 0,
        *,
        clip: bool = True,
        point_mass_threshold: float | None = 0.1,
        max_point_masses: int = 5,
        weight_threshold: float = 0.005,
        max_discrete_int: int = MAX_DISCRETE_INT,
        max_tail: int = 10_000,
        min_category_count: int = 5,
        identifiers: str = "generate",
    ):
        if isinstance(max_modes, bool) or not isinstance(max_modes, int) or max_modes < 1:
            raise ValueError(f"max_modes must be a positive integer, got {max_modes!r}")
        if isinstance(max_categories, bool) or not isinstance(max_categories, int) or max_categories < 2:
            raise ValueError(f"max_categories must be an integer >= 2, got {max_categories!r}")
        if fit_rows is not None and (isinstance(fit_rows, bool) or not isinstance(fit_rows, int) or fit_rows < 10):
            raise ValueError(f"fit_rows must be None or an integer >= 10, got {fit_rows!r}")
        if isinstance(min_category_count, bool) or not isinstance(min_category_count, int) or min_category_count < 1:
            raise ValueError(f"min_category_count must be a positive integer, got {min_category_count!r}")
        if identifiers not in IDENTIFIERS:
            raise ValueError(f"identifiers must be one of {', '.join(map(repr, IDENTIFIERS))}, got {identifiers!r}")
        if point_mass_threshold is not None and not 0 <= point_mass_threshold <= 1:
            raise ValueError(f"point_mass_threshold must be in [0, 1], got {point_mass_threshold!r}")
        self.max_modes = max_modes
        self.max_categories = max_categories
        self.fit_rows = fit_rows
        self.n_jobs = n_jobs
        self.seed = int(seed)
        self.clip = bool(clip)
        self.point_mass_threshold = point_mass_threshold
        self.max_point_masses = int(max_point_masses)
        self.weight_threshold = float(weight_threshold)
        self.max_discrete_int = int(max_discrete_int)
        self.max_tail = int(max_tail)
        self.min_category_count = min_category_count
        self.identifiers = identifiers
        self.columns: list[ColumnSpec] = []
        self.spans: list[Span] = []
        self.output_dim: int = 0
        self._by_name: dict[str, ColumnSpec] = {}

    # ------------------------------------------------------------------ parameters, state

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in (
            "max_modes", "max_categories", "fit_rows", "n_jobs", "seed", "clip", "point_mass_threshold",
            "max_point_masses", "weight_threshold", "max_discrete_int", "max_tail", "min_category_count",
            "identifiers")}

    @property
    def fitted(self) -> bool:
        return bool(self.columns)

    def _check_fitted(self) -> None:
        if not self.fitted:
            raise RuntimeError("the TabularTransformer is not fitted; call fit(df) first")

    def __repr__(self) -> str:
        state = f"{len(self.columns)} columns -> {self.output_dim} features" if self.fitted else "not fitted"
        return f"TabularTransformer({state})"

    # ------------------------------------------------------------------ fit

    def fit(
        self,
        df: pd.DataFrame,
        discrete_columns: Sequence[str] | None = None,
        column_kinds: Mapping[str, str] | None = None,
    ) -> "TabularTransformer":
        """Learn every column of ``df``; kinds detected, overridable (see :mod:`.columns`)."""
        df = _check_frame(df, "fit")
        kinds = resolve_kinds(df, discrete_columns, column_kinds, self.max_discrete_int)
        specs: list[ColumnSpec] = []
        jobs: list[tuple[int, np.ndarray]] = []
        uniques: dict[int, np.ndarray] = {}
        rng = np.random.default_rng(self.seed)
        for i, name in enumerate(df.columns):
            s = df[name]
            kind = kinds[name]
            missing = s.isna().to_numpy()
            if missing.all():
                raise DataError(f"column {name!r} is entirely missing; drop it or fill it before fitting")
            if kind == "discrete":
                specs.append(self._fit_discrete(name, s, missing, rng))
                continue
            if kind == "identifier":
                specs.append(self._fit_identifier(name, s, missing))
                continue
            spec, x = self._numeric_spec(name, kind, s, missing)
            self._fit_point_masses(spec, x, len(s))
            if spec.has_continuous:
                rest = x[~np.isin(x, spec.point_masses)]
                uniques[i], counts = np.unique(rest, return_counts=True)
                spec.min, spec.max = float(uniques[i][0]), float(uniques[i][-1])
                if self.fit_rows is not None and len(uniques[i]) > self.fit_rows:
                    # many distinct values: fit on a random subsample of the rows
                    sub = np.unique(rest[rng.choice(len(rest), self.fit_rows, replace=False)], return_counts=True)
                    jobs.append((i, sub))
                else:  # few distinct values: every row, as (value, count) pairs, costs no more
                    jobs.append((i, (uniques[i], counts)))
            specs.append(spec)

        results = self._fit_mixtures(jobs)
        for (i, _), (w, mu, sd) in zip(jobs, results):
            specs[i].weights, specs[i].means = w, mu
            specs[i].stds = cover(np.asarray(mu), np.asarray(sd), uniques[i])
        self._set_columns(specs)
        return self

    def _fit_mixtures(self, jobs):
        args = [(u, c, self.max_modes, self.weight_threshold) for _, (u, c) in jobs]
        workers = _n_workers(self.n_jobs, len(jobs))
        if workers <= 1 or sum(len(a[0]) for a in args) < 20_000:
            return [fit_mixture(*a) for a in args]
        # Threads: the work is NumPy on (values x modes) arrays, which releases the GIL; worker
        # processes would each pay seconds to import torch through ganforge.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(lambda a: fit_mixture(*a), args))

    def _fit_discrete(self, name: str, s: pd.Series, missing: np.ndarray, rng) -> ColumnSpec:
        n = len(s)
        values = s[~missing]
        codes, uniques = pd.factorize(values, sort=False)
        uniques = [_jsonable(u) for u in np.asarray(uniques, dtype=object)]
        as_str = not all(_plain(u) for u in uniques)
        if as_str:
            values = values.astype(str)
            codes, uniques = pd.factorize(values, sort=False)
            uniques = [str(u) for u in np.asarray(uniques, dtype=object)]
        counts = np.bincount(codes, minlength=len(uniques))
        order = np.argsort(-counts, kind="stable")
        rare = order[counts[order] < self.min_category_count]
        frequent = order[counts[order] >= self.min_category_count]
        other = len(frequent) > self.max_categories or len(rare) > 0
        keep = frequent[: self.max_categories - 1] if other else frequent
        spec = ColumnSpec(name=name, kind="discrete", dtype=_dtype_str(s.dtype), n_unique=len(uniques), as_str=as_str,
                          min_count=self.min_category_count, n_rare=len(rare))
        spec.categories = [uniques[j] for j in keep]
        freqs = [counts[j] / n for j in keep]
        if other:
            tail = frequent[len(keep):]
            tail_counts = counts[tail]
            pooled = tail_counts.sum() + counts[rare].sum()
            freqs.append(pooled / n)
            spec.other = True
            spec.rare_share = float(counts[rare].sum() / pooled)
            text = as_str or all(isinstance(u, str) for u in uniques)
            spec.rare_marker = RARE_MARKER if text and len(rare) else None
            if len(tail):
                if tail_counts.sum() > self.max_tail:  # a random sample of the tail's rows
                    drawn = rng.choice(len(tail), self.max_tail, replace=True, p=tail_counts / tail_counts.sum())
                    idx, cnt = np.unique(drawn, return_counts=True)
                    tail, tail_counts = tail[idx], cnt
                spec.tail_values = [uniques[j] for j in tail]
                spec.tail_weights = [float(c) for c in tail_counts / tail_counts.sum()]
        spec.missing_rate = float(missing.mean())
        spec.has_missing = bool(missing.any())
        if spec.has_missing:
            freqs.append(spec.missing_rate)
        spec.category_freqs = [float(f) for f in freqs]
        if isinstance(s.dtype, pd.CategoricalDtype):  # declared categories, less the rare ones
            seen = {uniques[j] for j in rare}
            spec.dtype_categories = [_jsonable(c) for c in s.dtype.categories if _jsonable(c) not in seen]
            if not all(_plain(c) for c in spec.dtype_categories):
                spec.dtype_categories = None
            spec.ordered = bool(s.dtype.ordered)
        return spec

    def _fit_identifier(self, name: str, s: pd.Series, missing: np.ndarray) -> ColumnSpec:
        """An identifier column: its format (or nothing, when identifiers are dropped), no values."""
        spec = ColumnSpec(name=name, kind="identifier", dtype=_dtype_str(s.dtype),
                          missing_rate=float(missing.mean()), has_missing=bool(missing.any()))
        if self.identifiers == "generate":
            fmt, reason = ids.detect(s) or ("code", "declared an identifier")
            if fmt == "integer" and not pd.api.types.is_numeric_dtype(s.dtype):
                fmt = "code"
            spec.identifier = ids.learn(s, fmt, reason, self.min_category_count)
        return spec

    def _numeric_spec(self, name: str, kind: str, s: pd.Series, missing: np.ndarray):
        """A numeric column's spec (no mixture yet) and its non-missing values as float64."""
        spec = ColumnSpec(name=name, kind=kind, dtype=_dtype_str(s.dtype))
        spec.missing_rate = float(missing.mean())
        spec.has_missing = bool(missing.any())
        if kind == "datetime":
            spec.datetime_format = None if pd.api.types.is_datetime64_any_dtype(s.dtype) else detect_format(s)
            if spec.datetime_format:
                s = parse_times(s, spec.datetime_format, name)
            ns, tz = _datetime_ns(s, name)
            spec.tz = tz
            present = ns[~missing]
            unit, size = next((u, q) for u, q in _DT_UNITS if not np.any(present % q))
            spec.unit = unit
            x = (present // size).astype(np.float64)
            if not pd.api.types.is_datetime64_any_dtype(s.dtype) and not spec.datetime_format:
                spec.dtype = "datetime64[ns]" if tz is None else f"datetime64[ns, {tz}]"
            return spec, x
        x = _numeric(s, name)[~missing]
        if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            spec.dtype = "float64"
        if kind == "continuous":
            spec.decimals = decimals(x, s.dtype if pd.api.types.is_float_dtype(s.dtype) else np.float64)
        return spec, x

    def _fit_point_masses(self, spec: ColumnSpec, x: np.ndarray, n: int) -> None:
        uniq, counts = np.unique(x, return_counts=True)
        masses: list[int] = []
        if self.point_mass_threshold and len(uniq) > 1:
            share = counts / len(x)
            order = np.argsort(-counts, kind="stable")
            masses = [j for j in order[: self.max_point_masses] if share[j] >= self.point_mass_threshold]
        rest = len(uniq) - len(masses)
        if rest == 1:  # one value left over: a point mass too (a mixture needs a spread)
            masses.append(int(np.setdiff1d(np.arange(len(uniq)), masses)[0]))
            rest = 0
        spec.point_masses = [float(uniq[j]) for j in masses]
        spec.point_mass_rates = [float(counts[j] / n) for j in masses]
        spec.has_continuous = rest > 0
        spec.continuous_rate = float(1.0 - spec.missing_rate - sum(spec.point_mass_rates)) if rest else 0.0

    # ------------------------------------------------------------------ layout

    def _set_columns(self, specs: list[ColumnSpec]) -> None:
        self.columns = specs
        self._inverse_rng = np.random.default_rng([self.seed, 1])
        self._by_name = {c.name: c for c in specs}
        spans: list[Span] = []
        start = 0

        def add(col: str, width: int, activation: str, role: str) -> None:
            nonlocal start
            spans.append(Span(col, start, width, activation, role))
            start += width

        for c in specs:
            if c.kind == "identifier":
                continue
            if c.kind == "discrete":
                add(c.name, len(c.category_slots), "softmax", "category")
                continue
            if c.has_continuous:
                add(c.name, 1, "tanh", "value")
                add(c.name, len(c.means), "softmax", "mode")
            sel = c.selector_slots
            if sel:
                add(c.name, len(sel), "softmax", "point_mass" if c.point_masses else "missing")
        self.spans = spans
        self.output_dim = start

    def column_spans(self, column: str) -> list[Span]:
        """The spans of one source column, in order."""
        self._spec(column)
        return [s for s in self.spans if s.column == column]

    def condition_spans(self) -> list[Span]:
        """The ``"category"`` spans of the discrete columns (what training-by-sampling conditions on)."""
        self._check_fitted()
        return [s for s in self.spans if s.role == "category"]

    def _spec(self, column: str) -> ColumnSpec:
        self._check_fitted()
        try:
            return self._by_name[column]
        except (KeyError, TypeError):
            names = list(self._by_name)
            shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
            raise ValueError(f"unknown column {column!r}; the columns are: {shown}") from None

    def category_index(self, column: str, value) -> int:
        """Position of ``value`` inside ``column``'s category span (``None``/NaN: the missing slot)."""
        spec = self._spec(column)
        if spec.kind != "discrete":
            discrete = [c.name for c in self.columns if c.kind == "discrete"]
            raise ValueError(f"column {column!r} is {spec.kind}, not discrete; discrete columns: "
                             f"{', '.join(discrete) or 'none'}")
        if _is_missing(value):
            if spec.has_missing:
                return len(spec.category_slots) - 1
        else:
            v = str(value) if spec.as_str else _jsonable(value)
            for j, c in enumerate(spec.categories):
                if c == v and (type(c) is bool) == (type(v) is bool):  # 1 is not True here
                    return j
            if spec.tail_values is not None and v in spec.tail_values:
                raise ValueError(
                    f"value {value!r} of column {column!r} is one of the rare values grouped as 'other' "
                    f"(the column has {spec.n_unique} distinct values; max_categories={self.max_categories} "
                    "keeps the most frequent); it cannot be conditioned on")
        shown = ", ".join(repr(c) for c in spec.categories[:10]) + (", ..." if len(spec.categories) > 10 else "")
        shown = shown or "none"
        rare = (f" (or seen fewer than min_category_count={spec.min_count} times: such values are pooled as "
                "'other' and not stored)") if spec.n_rare else ""
        raise ValueError(f"value {value!r} was never seen in column {column!r} during fit{rare}; known values: {shown}")

    # ------------------------------------------------------------------ transform

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """``df`` -> float32 ``(N, output_dim)``; softmax blocks one-hot. Deterministic per seed."""
        self._check_fitted()
        df = _check_frame(df, "transform", allow_empty_rows=True)
        absent = [c.name for c in self.columns if c.name not in df.columns and c.kind != "identifier"]
        if absent:
            raise DataError(f"columns missing from the table: {', '.join(map(repr, absent))}")
        n = len(df)
        out = np.zeros((n, self.output_dim), dtype=np.float32)
        rows = np.arange(n)
        for i, spec in enumerate(self.columns):
            if spec.kind == "identifier":
                continue
            spans = {s.role: s for s in self.column_spans(spec.name)}
            s = df[spec.name]
            missing = s.isna().to_numpy()
            rng = np.random.default_rng([self.seed, i])
            if spec.kind == "discrete":
                idx = self._category_codes(spec, s, missing)
                out[rows, spans["category"].start + idx] = 1.0
                continue
            if missing.any() and not spec.has_missing:
                raise DataError(f"column {spec.name!r} has {int(missing.sum())} missing values, but had none "
                                "when the transformer was fitted")
            x = np.zeros(n)
            if spec.kind == "datetime":
                if spec.datetime_format:
                    s = parse_times(s, spec.datetime_format, spec.name)
                ns, _ = _datetime_ns(s, spec.name, spec.tz)
                x[~missing] = (ns[~missing] // dict(_DT_UNITS)[spec.unit]).astype(np.float64)
            else:
                x[~missing] = _numeric(s, spec.name)[~missing]
            # selector: 0..P-1 point masses, P continuous, P+1 missing (remapped to slot order)
            pm = np.asarray(spec.point_masses, dtype=np.float64)
            hit = (x[:, None] == pm[None, :]) & ~missing[:, None] if len(pm) else np.zeros((n, 0), bool)
            is_pm = hit.any(1)
            cont = ~missing & ~is_pm
            if cont.any() and not spec.has_continuous:
                bad = x[cont][0]
                raise DataError(f"column {spec.name!r} has value {bad!r}, but in training it only took the values "
                                f"{spec.point_masses}")
            if spec.has_continuous:
                alpha, mode = self._encode_values(spec, x, cont, rng)
                out[:, spans["value"].start] = alpha
                out[rows, spans["mode"].start + mode] = 1.0
            sel = spans.get("point_mass") or spans.get("missing")
            if sel is not None:
                offset = 1 if spec.has_continuous else 0
                slot = np.where(is_pm, offset + hit.argmax(1), 0) if len(pm) else np.zeros(n, np.int64)
                slot = np.where(missing, sel.width - 1, slot)
                out[rows, sel.start + slot] = 1.0
        return out

    def _category_codes(self, spec: ColumnSpec, s: pd.Series, missing: np.ndarray) -> np.ndarray:
        values = s.astype(str).where(~missing, None) if spec.as_str else s
        cats = spec.categories
        codes = _category_index(cats).get_indexer(np.asarray(values, dtype=object))
        codes = codes.astype(np.int64)
        unknown = (codes < 0) & ~missing
        if unknown.any():
            if not spec.other:
                bad = pd.unique(np.asarray(values, dtype=object)[unknown])
                shown = ", ".join(repr(_jsonable(v)) for v in bad[:5])
                raise DataError(f"column {spec.name!r} has values never seen during fit: {shown}"
                                + (" ..." if len(bad) > 5 else ""))
            codes[unknown] = len(cats)
        if missing.any():
            if not spec.has_missing:
                raise DataError(f"column {spec.name!r} has {int(missing.sum())} missing values, but had none "
                                "when the transformer was fitted")
            codes[missing] = len(spec.category_slots) - 1
        return codes

    def _encode_values(self, spec: ColumnSpec, x: np.ndarray, cont: np.ndarray, rng):
        mu = np.asarray(spec.means)
        sd = np.asarray(spec.stds)
        logw = np.log(np.asarray(spec.weights))
        n = len(x)
        alpha = np.zeros(n, dtype=np.float64)
        mode = np.zeros(n, dtype=np.int64)
        xc = x[cont]
        if len(xc):
            # posterior over modes, sampled (as CTGAN); chunked to bound the (rows, modes) arrays
            logp = logw - np.log(sd) - 0.5 * ((xc[:, None] - mu) / sd) ** 2
            logp -= logp.max(1, keepdims=True)
            p = np.exp(logp)
            cum = np.cumsum(p, 1)
            u = rng.random(len(xc))[:, None] * cum[:, -1:]
            k = np.minimum((cum < u).sum(1), len(mu) - 1)
            a = (xc - mu[k]) / (4 * sd[k])
            far = np.abs(a) > 1  # a draw from a mode that does not reach x: take the closest one
            if far.any():
                k[far] = (np.abs(xc[far, None] - mu) / sd).argmin(1)
                a[far] = (xc[far] - mu[k[far]]) / (4 * sd[k[far]])
            alpha[cont] = np.clip(a, -1.0, 1.0)
            mode[cont] = k
        fill = ~cont
        if fill.any():  # point-mass / missing rows: the encoding of a random continuous row
            if len(xc):
                j = np.flatnonzero(cont)[rng.integers(0, len(xc), int(fill.sum()))]
                alpha[fill], mode[fill] = alpha[j], mode[j]
            else:
                mode[fill] = rng.choice(len(mu), int(fill.sum()), p=np.exp(logw) / np.exp(logw).sum())
                alpha[fill] = np.clip(rng.normal(0, 0.25, int(fill.sum())), -1, 1)
        return alpha.astype(np.float32), mode

    # ------------------------------------------------------------------ inverse

    def inverse_transform(self, x, seed: int | None = None) -> pd.DataFrame:
        """Matrix (NumPy or torch, ``(N, output_dim)``) -> table with the source columns and dtypes.

        Softmax blocks are read by arg-max (probabilities, logits or one-hot all work); tanh
        values are clipped to [-1, 1]. The only randomness, the resampling of a high-cardinality
        column's "other" slot, uses ``seed`` when given, else a generator seeded with the
        transformer's ``seed`` at fit / load that advances from call to call (so batches of a
        long sample do not repeat each other's draws, and a run is still reproducible).
        """
        self._check_fitted()
        if hasattr(x, "detach"):
            x = x.detach().float().cpu().numpy()
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.output_dim:
            raise DataError(f"inverse_transform expects an array of shape (N, {self.output_dim}), got {x.shape}")
        x = x.astype(np.float64, copy=False)
        n = len(x)
        cols: dict[str, Any] = {}
        for i, spec in enumerate(self.columns):
            spans = {s.role: s for s in self.column_spans(spec.name)}
            rng = np.random.default_rng([seed, i]) if seed is not None else self._inverse_rng
            if spec.kind == "identifier":
                if spec.identifier is not None:
                    values = pd.Series(ids.draw(spec.identifier, n, rng))
                    cols[spec.name] = values.where(rng.random(n) >= spec.missing_rate) if spec.has_missing else values
                continue
            if spec.kind == "discrete":
                sp = spans["category"]
                cols[spec.name] = self._decode_category(spec, x[:, sp.start:sp.start + sp.width].argmax(1), rng)
                continue
            values = np.zeros(n)
            if spec.has_continuous:
                a = np.clip(x[:, spans["value"].start], -1.0, 1.0)
                sp = spans["mode"]
                k = x[:, sp.start:sp.start + sp.width].argmax(1)
                values = np.asarray(spec.means)[k] + 4 * np.asarray(spec.stds)[k] * a
                if spec.kind != "continuous":
                    values = np.round(values)
                elif spec.decimals is not None:
                    values = np.round(values, spec.decimals)
                if self.clip:
                    values = np.clip(values, spec.min, spec.max)
            missing = np.zeros(n, dtype=bool)
            sel = spans.get("point_mass") or spans.get("missing")
            if sel is not None:
                slot = x[:, sel.start:sel.start + sel.width].argmax(1)
                offset = 1 if spec.has_continuous else 0
                if spec.point_masses:
                    j = slot - offset
                    is_pm = (j >= 0) & (j < len(spec.point_masses))
                    values = np.where(is_pm, np.asarray(spec.point_masses)[np.clip(j, 0, None)
                                      .clip(max=len(spec.point_masses) - 1)], values)
                if spec.has_missing:
                    missing = slot == sel.width - 1
            cols[spec.name] = _restore_numeric(spec, values, missing)
        return pd.DataFrame(cols, index=pd.RangeIndex(n))

    def _decode_category(self, spec: ColumnSpec, idx: np.ndarray, rng) -> pd.Series:
        cats = spec.categories
        lookup = np.empty(len(spec.category_slots), dtype=object)
        for j, c in enumerate(cats):
            lookup[j] = c
        lookup[len(cats):] = None
        values = lookup[idx]
        missing = idx == len(spec.category_slots) - 1 if spec.has_missing else np.zeros(len(idx), bool)
        if spec.other:
            other = np.flatnonzero(idx == len(cats))
            rare = other[rng.random(len(other)) < spec.rare_share] if spec.rare_share else other[:0]
            values[rare] = spec.rare_marker
            if spec.rare_marker is None:
                missing[rare] = True
            tailed = np.setdiff1d(other, rare)
            if len(tailed):
                tail = np.empty(len(spec.tail_values), dtype=object)
                tail[:] = spec.tail_values
                values[tailed] = tail[rng.choice(len(tail), len(tailed), p=np.asarray(spec.tail_weights))]
        values[missing] = np.nan
        return _restore_discrete(spec, values, missing)

    # ------------------------------------------------------------------ description, JSON

    def describe(self) -> str:
        """A table of the columns: kind, source dtype, width in the matrix and what was learned."""
        self._check_fitted()
        widths: dict[str, int] = {}
        for sp in self.spans:
            widths[sp.column] = widths.get(sp.column, 0) + sp.width
        return describe_columns(self.columns, widths, self.output_dim)

    def to_dict(self) -> dict:
        """Everything needed to rebuild the fitted transformer, as plain JSON data."""
        self._check_fitted()
        return {"format": FORMAT, "version": VERSION, "params": self.get_params(),
                "columns": [asdict(c) for c in self.columns], "output_dim": self.output_dim}

    @classmethod
    def from_dict(cls, d: Mapping) -> "TabularTransformer":
        """Rebuild a transformer written by :meth:`to_dict` (after a JSON round trip)."""
        if not isinstance(d, Mapping) or d.get("format") != FORMAT:
            raise DataError("not a TabularTransformer description (missing format tag)")
        if d.get("version") != VERSION:
            raise DataError(f"TabularTransformer description version {d.get('version')!r} is not supported "
                            f"(this ganforge reads version {VERSION})")
        params = dict(d["params"])
        self = cls(**params)
        names = {f.name for f in fields(ColumnSpec)}
        specs = []
        for c in d["columns"]:
            unknown = set(c) - names
            if unknown or c.get("kind") not in KINDS:
                raise DataError(f"bad column description {c.get('name')!r}: unknown fields {sorted(unknown)} "
                                f"or kind {c.get('kind')!r}")
            specs.append(ColumnSpec(**c))
        self._set_columns(specs)
        if self.output_dim != d.get("output_dim", self.output_dim):
            raise DataError(f"TabularTransformer description is inconsistent: output_dim {d['output_dim']} "
                            f"but its columns give {self.output_dim}")
        return self


# ----------------------------------------------------------------------------- module helpers


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
