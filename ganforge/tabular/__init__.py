"""Tabular synthetic data: TabularGAN, the data transformer, column kinds, table I/O and the report."""

from ganforge.tabular.columns import KINDS, detect_kind, resolve_kinds
from ganforge.tabular.transformer import ColumnSpec, Span, TabularTransformer
from ganforge.tabular.io import read_table, write_table
from ganforge.tabular.report import Report, add_report_command, format_report, print_report, tabular_report
from ganforge.tabular.model import TabularGAN
