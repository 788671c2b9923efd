"""Column kinds' old path: they live in the data layer, :mod:`ganforge.data.tabular.columns`."""

from ganforge.data.tabular.columns import KINDS, describe_columns, detect_kind, resolve_kinds

__all__ = ["KINDS", "describe_columns", "detect_kind", "resolve_kinds"]
