"""The tabular_* metrics' old path: they live in :mod:`ganforge.metrics.tabular`."""

from ganforge.metrics.tabular import tabular_dcr, tabular_detection, tabular_pair_trends, tabular_shape, tabular_utility

__all__ = ["tabular_dcr", "tabular_detection", "tabular_pair_trends", "tabular_shape", "tabular_utility"]
