"""The tabular transformer's old path: it lives in the data layer, :mod:`ganforge.data.tabular.transformer`."""

from ganforge.data.tabular.transformer import ColumnSpec, Span, TabularTransformer

__all__ = ["ColumnSpec", "Span", "TabularTransformer"]
