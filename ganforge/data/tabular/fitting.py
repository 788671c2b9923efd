"""How the tabular transformer learns one column: a discrete column's kept categories, an identifier's
format, a numeric column's point masses and mixture (the settings are the transformer's; see its module)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import identifiers as ids
from .columns import decimals
from .datetimes import UNITS as _DT_UNITS, detect_format, parse_times
from .mixture import fit_mixture
from .spec import ColumnSpec
from .values import _datetime_ns, _dtype_str, _jsonable, _n_workers, _numeric, _plain

RARE_MARKER = "<other>"  # what a draw of a text column's pooled rare values is written as


class ColumnFitting:
    """The per-column fitting steps of :class:`~ganforge.data.tabular.transformer.TabularTransformer`."""

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
