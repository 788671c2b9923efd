"""How a command reads its tables: the shared ``--header/--no-header``, ``--names`` and ``--na-values``
options (no pandas here, so building the command line stays light)."""

from __future__ import annotations

from typing import Any


def add_read_arguments(parser: Any) -> None:
    """``--header/--no-header``, ``--names`` and ``--na-values``: how a command reads its tables."""
    import argparse

    parser.add_argument("--header", action=argparse.BooleanOptionalAction, default=None,
                        help="--no-header: the text table has no header row (columns col1, col2, ...); "
                             "--header: its first row is the header even if it looks like data")
    parser.add_argument("--names", default=None, metavar="A,B,...",
                        help="column names of a text table without a header row (a first row that repeats "
                             "them is read as the header)")
    parser.add_argument("--na-values", "--na-value", dest="na_values", action="append", default=None,
                        metavar="A,B", help="the markers of a missing value in a text table, e.g. '?' "
                                            "(repeatable); they replace pandas' defaults such as NA and null")


def read_arguments(args: Any) -> dict[str, Any]:
    """The :func:`read_table` keywords from the options of :func:`add_read_arguments`."""
    options: dict[str, Any] = {}
    if args.header is not None:
        options["header"] = 0 if args.header else None  # --header --names A,B: replace the header row
    if args.names:
        options["names"] = args.names
    if args.na_values:
        options["na_values"] = [v.strip() for text in args.na_values for v in text.split(",")]
    return options
