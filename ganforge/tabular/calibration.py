"""Marginal calibration: re-weight generated rows so that each column's one-way distribution matches a
reference (raking, i.e. iterative proportional fitting over the columns), then draw the rows to return.

The private path of :class:`~ganforge.tabular.TabularGAN` uses it as post-processing of its DP outputs:
the reference is the DP summary its transformer was fitted on (:mod:`ganforge.privacy.preprocess`), so
calibration spends no budget. A generator trained with DP-SGD gets the strong pairwise relations but its
one-way distributions drift under the noisy gradients; drawing the rows to return from a larger pool with
raking weights fixes the marginals and keeps each row whole, so the relations the pool has are kept.

A reference column is described by its categories (discrete: each value) or by bins (numeric: at most
:data:`BINS` quantile bins of the reference), each with its share; missing values are one more category.
The private path calibrates its category columns only: their DP shares are nearly exact, whereas its
numeric summaries are histograms of log bins about 65% wide, coarser than what the generator learns
from the rows themselves through DP-SGD. Raking numbers to them imposed the bins' flat insides: on UCI
Adult at epsilon 3 (3 seeds), pair trends 0.911 calibrating every column, 0.917 calibrating the
categories only, and shape scores 0.971 against 0.975.
Rows are drawn without replacement, each with probability proportional to its weight (systematic
sampling), so no generated row is returned twice; a pool :data:`POOL_FACTOR` times the rows asked for
leaves the weights room to act (a row's weight may be up to that factor before it must be taken).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ganforge.errors import CheckpointError

__all__ = ["Marginals", "draw", "BINS", "POOL_FACTOR", "CALIBRATED_KINDS"]

BINS = 10
POOL_FACTOR = 3
SWEEPS = 30
CALIBRATED_KINDS = ("discrete", "integer", "continuous")


def _numbers(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _keys(s: pd.Series) -> np.ndarray:
    """A discrete column's values as comparable keys: numbers as floats (1 and 1.0 alike), the rest as text."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return np.array([repr(v) for v in _numbers(s)], dtype=object)
    return np.array([None if pd.isna(v) else str(v) for v in s], dtype=object)


@dataclass
class Marginals:
    """One-way distributions of some columns: ``{column: {"values" or "edges": [...], "shares": [...]}}``.

    ``shares`` has one entry per category (per bin: ``len(edges) + 1`` of them) and a last one for
    missing values.
    """

    columns: dict[str, dict[str, Any]]

    @classmethod
    def of(cls, table: pd.DataFrame, kinds: Mapping[str, str], bins: int = BINS) -> "Marginals":
        """The marginals of ``table``'s columns whose kind is calibrated (identifiers and dates are not)."""
        out = {}
        for col, kind in kinds.items():
            if kind not in CALIBRATED_KINDS or col not in table:
                continue
            s = table[col]
            if kind == "discrete":
                keys = _keys(s)
                values = sorted({k for k in keys if k is not None and k != "nan"})
                spec: dict[str, Any] = {"values": values}
            else:
                x = _numbers(s)
                seen = x[~np.isnan(x)]
                qs = np.quantile(seen, np.linspace(0, 1, bins + 1)[1:-1]) if len(seen) else np.zeros(0)
                spec = {"edges": [float(e) for e in np.unique(qs)]}
            spec["shares"] = (np.bincount(cls._codes_of(spec, s), minlength=_size(spec)) / max(len(s), 1)).tolist()
            out[col] = spec
        return cls(out)

    def with_share(self, column: str, value: str, share: float) -> "Marginals":
        """These marginals with ``value`` of ``column`` at ``share``, its other shares scaled to fill the rest
        (unchanged where the column or the value is not there)."""
        spec = self.columns.get(column)
        if spec is None or "values" not in spec or value not in spec["values"]:
            return self
        shares = np.asarray(spec["shares"], dtype=float)
        i = spec["values"].index(value)
        rest = shares.sum() - shares[i]
        if rest <= 0:
            return self
        shares = shares * (1.0 - share) / rest
        shares[i] = share
        return Marginals({**self.columns, column: {**spec, "shares": shares.tolist()}})

    @staticmethod
    def _codes_of(spec: Mapping[str, Any], s: pd.Series) -> np.ndarray:
        size = _size(spec)
        if "values" in spec:
            index = {v: i for i, v in enumerate(spec["values"])}
            # a value the reference lacks gets the missing slot's code + 1: share 0, weight 0 after raking
            return np.array([size - 1 if k is None or k == "nan" else index.get(k, size) for k in _keys(s)],
                            dtype=np.int64)
        x = _numbers(s)
        codes = np.searchsorted(np.asarray(spec["edges"], dtype=float), x, side="right")
        codes[np.isnan(x)] = size - 1
        return codes

    def weights(self, table: pd.DataFrame, sweeps: int = SWEEPS) -> np.ndarray:
        """Raking weights of ``table``'s rows (mean 1): weighted, each column's shares match the reference's."""
        w = np.ones(len(table))
        parts = []
        for col, spec in self.columns.items():
            target = np.append(np.asarray(spec["shares"], dtype=float), 0.0)  # the unseen-value slot
            parts.append((self._codes_of(spec, table[col]), target))
        for _ in range(sweeps):
            for codes, target in parts:
                current = np.bincount(codes, weights=w, minlength=len(target))
                total = current.sum()
                if total <= 0:
                    return np.zeros(len(table))
                ratio = np.divide(target * total, current, out=np.zeros_like(target), where=current > 0)
                w = w * ratio[codes]
        return w * (len(w) / w.sum()) if w.sum() > 0 else w

    def to_dict(self) -> dict[str, Any]:
        return {"columns": self.columns, "bins": BINS}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Marginals":
        try:
            cols = {str(c): {k: list(v) for k, v in spec.items()} for c, spec in d["columns"].items()}
            for spec in cols.values():
                if len(spec["shares"]) != _size(spec):
                    raise ValueError("shares and categories differ in number")
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise CheckpointError(f"the model's marginal calibration is malformed ({exc})") from None
        return cls(cols)


def _size(spec: Mapping[str, Any]) -> int:
    return len(spec["values"]) + 1 if "values" in spec else len(spec["edges"]) + 2


def draw(table: pd.DataFrame, weights: np.ndarray, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` distinct rows of ``table``, each with probability ``n * weight / sum`` (capped at 1, the others
    raised to make up): systematic sampling over the rows in a random order. The index is reset."""
    w = np.clip(np.nan_to_num(np.asarray(weights, dtype=float)), 0.0, None)
    if len(table) < n:
        raise ValueError(f"a pool of {len(table)} rows cannot give {n}")
    if n == 0:
        return table.iloc[:0].reset_index(drop=True)
    if (w > 0).sum() < n:  # too few rows with weight: every one of them, and the rest alike
        w = np.where(w > 0, 1.0, 1e-9)
    p = np.zeros_like(w)
    free = np.ones(len(w), dtype=bool)
    while True:  # inclusion probabilities: proportional to w, at most 1
        p[free] = w[free] * (n - (~free).sum()) / w[free].sum()
        over = free & (p >= 1.0)
        if not over.any():
            break
        p[over], free[over] = 1.0, False
    order = rng.permutation(len(w))
    edges = np.cumsum(p[order])
    edges *= n / edges[-1]
    picks = np.searchsorted(edges, rng.random() + np.arange(n), side="right")
    chosen = order[np.minimum(picks, len(w) - 1)]
    return table.iloc[np.sort(chosen)].reset_index(drop=True)
