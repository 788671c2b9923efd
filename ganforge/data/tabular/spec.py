"""What the tabular transformer learns about each column (:class:`ColumnSpec`) and the layout of the
vector it writes (:class:`Span`); both plain data, stored as JSON with the model."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ColumnSpec", "Span"]


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
