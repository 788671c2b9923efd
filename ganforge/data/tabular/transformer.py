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

from dataclasses import asdict, fields
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ganforge.errors import DataError

from . import identifiers as ids
from .columns import KINDS, MAX_DISCRETE_INT, describe_columns, resolve_kinds
from .datetimes import UNITS as _DT_UNITS, parse_times
from .fitting import RARE_MARKER, ColumnFitting  # noqa: F401  (RARE_MARKER: importable from here)
from .mixture import cover
from .spec import ColumnSpec, Span
from .values import (_category_index, _check_frame, _datetime_ns, _is_missing, _jsonable, _numeric,
                     _restore_discrete, _restore_numeric)

__all__ = ["ColumnSpec", "Span", "TabularTransformer"]

FORMAT = "ganforge.TabularTransformer"
VERSION = 1
IDENTIFIERS = ("generate", "drop")


class TabularTransformer(ColumnFitting):
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
