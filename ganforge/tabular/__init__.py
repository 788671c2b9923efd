"""Tabular synthetic data: TabularGAN, the data transformer, column kinds, table I/O and the report.

The names load their modules on first use, so the command line can build its parser without pandas or torch.
"""

import importlib

_LAZY = {
    **dict.fromkeys(["KINDS", "detect_kind", "resolve_kinds"], "ganforge.data.tabular.columns"),
    **dict.fromkeys(["ColumnSpec", "Span", "TabularTransformer"], "ganforge.data.tabular.transformer"),
    **dict.fromkeys(["read_table", "write_table"], "ganforge.tabular.io"),
    **dict.fromkeys(["Report", "format_report", "print_report", "tabular_report"], "ganforge.tabular.report"),
    "add_report_command": "ganforge.tabular.cli",
    "TabularGAN": "ganforge.tabular.model",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ganforge.tabular' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
