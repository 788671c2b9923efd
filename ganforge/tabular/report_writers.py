"""Writers of a tabular report: JSON, the HTML page, and the :class:`Report` that
:func:`~ganforge.tabular.report.tabular_report` returns (the figures as a dict that shows itself)."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pandas as pd

from ganforge.io import to_plain, write_text

from .report_html import render_html
from .report_text import _f, format_report, print_report  # noqa: F401  (importable from here)
from .verdicts import verdicts


def write_json(result: Mapping, path: str | Path) -> Path:
    """Write the report as JSON (NaN as null), atomically."""
    import json

    return write_text(path, json.dumps(to_plain(result, nan=None), indent=2, allow_nan=False) + "\n")


def write_html(result: Mapping, real: pd.DataFrame, synthetic: pd.DataFrame, path: str | Path,
               provenance: Mapping | None = None) -> Path:
    """Write the report as one self-contained HTML page with plots, atomically.

    ``provenance`` (input files, model folder, seed, version, date) defaults to a :class:`Report`'s own.
    """
    if provenance is None:
        provenance = getattr(result, "provenance", None)
    return write_text(path, render_html(result, real, synthetic, provenance))


class Report(dict):
    """The figures of :func:`~ganforge.tabular.report.tabular_report` -- a JSON-ready dict, as before --
    with the tables they came from, so that it can draw itself.

    In a notebook it shows as the HTML page (``_repr_html_``); ``str()`` is the text table;
    :attr:`verdicts` says what the figures mean; :meth:`save` writes ``report.json`` and
    ``report.html``. :attr:`provenance` (what the page says it was made from) holds the ganforge
    version, the date and the seed; add ``inputs`` (table name -> file) and ``model`` as known.
    """

    def __init__(self, result: Mapping, real: pd.DataFrame, synthetic: pd.DataFrame,
                 provenance: Mapping | None = None):
        super().__init__(result)
        self.real, self.synthetic = real, synthetic
        self.provenance = dict(provenance or {})

    @property
    def scores(self) -> dict:
        """The figures as a plain dict."""
        return dict(self)

    @property
    def verdicts(self) -> dict:
        """One :class:`~ganforge.tabular.verdicts.Verdict` per section, by section name."""
        return verdicts(self)

    def to_html(self, page: bool = True) -> str:
        """The HTML page (``page=False``: a fragment to embed)."""
        return render_html(self, self.real, self.synthetic, self.provenance, page=page)

    def _repr_html_(self) -> str:
        return self.to_html(page=False)

    def __str__(self) -> str:
        return format_report(self)

    def save(self, folder: str | Path) -> tuple[Path, Path]:
        """Write ``report.json`` and ``report.html`` into ``folder``; returns their paths."""
        folder = Path(folder)
        return (write_json(self, folder / "report.json"),
                write_html(self, self.real, self.synthetic, folder / "report.html"))
