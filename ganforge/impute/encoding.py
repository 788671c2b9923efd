"""A table with holes <-> GAIN's matrix: numbers min-max scaled to [0, 1], categories one-hot.

Column kinds come from the tabular data layer (:func:`ganforge.data.tabular.columns.detect_kind`):
``continuous`` and ``integer`` columns become one value in [0, 1] (integers are rounded back),
``discrete`` ones (text, category, bool, whole numbers with few values) a one-hot block that the
generator fills with a softmax. Datetime and identifier columns are carried through untouched when
they have no missing value and refused when they do. The mode-specific normalisation of
:class:`~ganforge.data.tabular.transformer.TabularTransformer` is not used here: GAIN's inputs must
be values a missing entry can be written over (0 with the mask saying so), which a mode one-hot is not.

A NumPy array of numbers is a table whose every column is continuous (as scikit-learn's imputers
treat it); an object array is read column by column like a DataFrame.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ganforge.data.tabular.columns import detect_kind
from ganforge.errors import DataError

NUMERIC = ("continuous", "integer")


@dataclass
class Column:
    """One column of the fitted encoding (plain data: it round-trips through JSON)."""

    name: str
    kind: str                     # continuous, integer, discrete, or passthrough
    lo: float = 0.0
    hi: float = 1.0
    categories: list = field(default_factory=list)
    cat_dtype: str = ""           # "bool", "int", "float" or "" (text): how a category is read back from JSON

    @property
    def width(self) -> int:
        return len(self.categories) if self.kind == "discrete" else (1 if self.kind in NUMERIC else 0)


def missing_of(df: pd.DataFrame) -> np.ndarray:
    """``(n, columns)`` bool: True where a cell is missing (NaN, None, pd.NA, NaT)."""
    return df.isna().to_numpy(dtype=bool)


def as_frame(X: Any) -> tuple[pd.DataFrame, bool]:
    """``(DataFrame, numeric_array)``: X as a frame, and whether it was a NumPy array of numbers."""
    if isinstance(X, pd.DataFrame):
        return X, False
    if isinstance(X, pd.Series):
        raise DataError("GANImputer expects a 2-D table (DataFrame or array), got a Series: use series.to_frame()")
    if hasattr(X, "tocsr") or type(X).__module__.startswith("scipy.sparse"):
        raise DataError("sparse input is not supported by GANImputer: pass a dense array or a DataFrame")
    try:
        arr = np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise DataError(f"GANImputer cannot read X as a table: {exc}") from exc
    if arr.ndim != 2:
        raise DataError(f"GANImputer expects a 2-D table, got an array of shape {arr.shape}; "
                        f"Reshape your data (X.reshape(-1, 1) for one column)")
    if arr.dtype.kind in "fiu":
        if arr.dtype.kind == "f" and np.isinf(arr).any():
            raise DataError("X holds infinite values; only NaN marks a missing value")
        return pd.DataFrame(arr, columns=[str(i) for i in range(arr.shape[1])]), True
    if arr.dtype.kind == "c":
        raise DataError("Complex data not supported by GANImputer")
    if arr.dtype.kind in "bO":  # object columns of numbers (with None) read as numbers
        return pd.DataFrame(arr, columns=[str(i) for i in range(arr.shape[1])]).infer_objects(), False
    raise DataError(f"GANImputer cannot impute an array of dtype {arr.dtype}")


def _cat_dtype(values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values.dtype) or all(isinstance(v, (bool, np.bool_)) for v in values):
        return "bool"
    if pd.api.types.is_integer_dtype(values.dtype):
        return "int"
    if pd.api.types.is_float_dtype(values.dtype):
        return "float"
    return ""


def _sorted_categories(observed: pd.Series) -> list:
    cats = pd.unique(observed.to_numpy(dtype=object))
    try:
        return sorted(cats.tolist())
    except TypeError:  # mixed types: order of first appearance
        return cats.tolist()


def fit_columns(df: pd.DataFrame, numeric_array: bool, categorical: Sequence[Any] | None) -> list[Column]:
    """The encoding of every column of ``df``; a column with no observed value raises DataError."""
    forced = {str(c) for c in (categorical or ())}
    unknown = forced - {str(c) for c in df.columns}
    if unknown:
        raise DataError(f"categorical names unknown columns: {', '.join(sorted(unknown))}")
    columns = []
    for name in df.columns:
        s = df[name]
        observed = s.dropna()
        if observed.empty:
            raise DataError(f"column {name!r} is entirely missing: nothing to learn it from; drop it or fill it "
                            f"yourself before imputing")
        if str(name) in forced:
            kind = "discrete"
        elif numeric_array:
            kind = "continuous"
        else:
            kind = detect_kind(s)
            if kind in ("datetime", "identifier"):
                if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
                    kind = "integer" if pd.api.types.is_integer_dtype(s.dtype) else "continuous"
                elif s.isna().any():
                    raise DataError(f"column {name!r} is a {kind} column with missing values: GANImputer imputes "
                                    f"numbers and categories; convert or drop it")
                else:
                    kind = "passthrough"
        if kind in NUMERIC:
            values = observed.to_numpy(dtype=np.float64)
            columns.append(Column(str(name), kind, float(values.min()), float(values.max())))
        elif kind == "discrete":
            columns.append(Column(str(name), kind, categories=_sorted_categories(observed),
                                  cat_dtype=_cat_dtype(observed)))
        else:
            columns.append(Column(str(name), "passthrough"))
    return columns


class Encoding:
    """The fitted layout: ``encode`` a frame to ``(values, mask)`` float32 and ``decode`` G's output."""

    def __init__(self, columns: list[Column]):
        self.columns = columns
        self.modelled = [c for c in columns if c.width]
        self.spans: list[tuple[int, int]] = []
        start = 0
        for c in self.modelled:
            self.spans.append((start, start + c.width))
            start += c.width
        self.width = start
        # the column (index into `modelled`) of every feature of the matrix
        self.feature_column = np.concatenate([np.full(c.width, j) for j, c in enumerate(self.modelled)]) \
            if self.modelled else np.zeros(0, dtype=int)
        self.numeric_features = np.array([j for (a, b), c in zip(self.spans, self.modelled)
                                          if c.kind in NUMERIC for j in range(a, b)], dtype=int)
        self.blocks = [(a, b) for (a, b), c in zip(self.spans, self.modelled) if c.kind == "discrete"]

    def to_dict(self) -> dict:
        return {"columns": [asdict(c) for c in self.columns]}

    @classmethod
    def from_dict(cls, data: dict) -> "Encoding":
        return cls([Column(**c) for c in data["columns"]])

    def check(self, df: pd.DataFrame) -> None:
        names = [c.name for c in self.columns]
        got = [str(c) for c in df.columns]
        if got != names:
            raise DataError(f"X has columns {got[:10]}{'...' if len(got) > 10 else ''}, but GANImputer was fitted "
                            f"on {names[:10]}{'...' if len(names) > 10 else ''} (same names, same order)")

    def encode(self, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """``(x, m)``: x ``(n, width)`` with missing entries 0, m ``(n, modelled columns)`` 1 = observed."""
        n = len(df)
        x = np.zeros((n, self.width), dtype=np.float32)
        m = np.zeros((n, len(self.modelled)), dtype=np.float32)
        for j, (c, (a, b)) in enumerate(zip(self.modelled, self.spans)):
            s = df.iloc[:, [str(col) for col in df.columns].index(c.name)]
            present = ~s.isna().to_numpy(dtype=bool)
            m[:, j] = present
            if c.kind in NUMERIC:
                try:
                    v = pd.to_numeric(s[present], errors="raise").to_numpy(dtype=np.float64)
                except (TypeError, ValueError) as exc:
                    raise DataError(f"column {c.name!r} was numeric at fit time but holds {exc}") from exc
                if not np.isfinite(v).all():
                    raise DataError(f"column {c.name!r} holds infinite values; only NaN marks a missing value")
                x[present, a] = (v - c.lo) / ((c.hi - c.lo) or 1.0)
            else:
                index = pd.Index(pd.array(c.categories, dtype=object))
                codes = index.get_indexer(pd.Index(s[present].to_numpy(dtype=object)))
                if (codes < 0).any():
                    unseen = pd.unique(s[present].to_numpy(dtype=object)[codes < 0])
                    raise DataError(f"column {c.name!r} holds categories never seen at fit time: "
                                    f"{', '.join(map(repr, unseen[:5]))}; refit with them, or mark them missing")
                x[np.flatnonzero(present), a + codes] = 1.0
        return x, m

    def decode_into(self, df: pd.DataFrame, out: np.ndarray, rng: np.random.Generator | None = None) -> pd.DataFrame:
        """A copy of ``df`` whose missing cells take G's ``out`` (numbers; categories by arg-max, or drawn
        from the softmax with ``rng``). Observed cells are not touched."""
        result = df.copy()
        for c, (a, b) in zip(self.modelled, self.spans):
            pos = [str(col) for col in df.columns].index(c.name)
            s = df.iloc[:, pos]
            hole = s.isna().to_numpy(dtype=bool)
            if not hole.any():
                continue
            if c.kind in NUMERIC:
                v = c.lo + out[hole, a].astype(np.float64) * ((c.hi - c.lo) or 1.0)
                v = np.clip(v, c.lo, c.hi)
                if c.kind == "integer" or pd.api.types.is_integer_dtype(s.dtype):
                    v = np.round(v)
                fill = v
            else:
                p = out[hole, a:b].astype(np.float64)
                if rng is None:
                    k = p.argmax(axis=1)
                else:
                    p = p / p.sum(axis=1, keepdims=True)
                    k = (rng.random((len(p), 1)) > np.cumsum(p, axis=1)).sum(axis=1).clip(0, b - a - 1)
                fill = [self._category(c, c.categories[i]) for i in k]
            col = result.iloc[:, pos].copy()
            if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype.kind != "O":
                col[hole] = fill
            else:
                values = col.to_numpy(dtype=object, copy=True)
                values[hole] = fill
                col = pd.Series(values, index=col.index, name=col.name, dtype=col.dtype)
            result.isetitem(pos, col)
        return result

    @staticmethod
    def _category(c: Column, v: Any) -> Any:
        if c.cat_dtype == "bool":
            return bool(v)
        if c.cat_dtype == "int":
            return int(v)
        if c.cat_dtype == "float":
            return float(v)
        return v
