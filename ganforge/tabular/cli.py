"""``ganforge tabular fit|sample|report``: synthetic tables from the command line.

Bad input raises :class:`~ganforge.data.DataError` or :class:`~ganforge.config.ConfigError` (the
``ganforge`` entry point prints them); a failed fit leaves no model folder behind, since the
model is written to a temporary sibling folder and renamed into place only when complete.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ganforge.config import ConfigError
from ganforge.data.errors import DataError

__all__ = ["add_commands", "parse_condition"]


def _columns(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [c.strip() for c in text.split(",") if c.strip()]
    if not names:
        raise ConfigError(f"--discrete expects column names separated by commas; got {text!r}")
    return names


def _fit(args: argparse.Namespace) -> int:
    from ganforge.tabular.io import read_table
    from ganforge.tabular.model import TabularGAN, parse_duration

    if args.epochs is not None and args.time_budget is not None:
        raise ConfigError("give --epochs or --time-budget, not both")
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out {out} already exists; remove it or choose another folder")
    budget = parse_duration(args.time_budget)
    options: dict[str, Any] = {"epochs": args.epochs, "time_budget": budget, "seed": args.seed,
                               "device": args.device, "verbose": not args.quiet}
    if args.batch_size is not None:
        options["batch_size"] = args.batch_size
    if args.precision is not None:
        options["precision"] = args.precision
    model = TabularGAN(**options)
    read_options = {"na_values": args.na_values.split(",")} if args.na_values else {}
    df = read_table(args.data, **read_options)
    model.fit(df, discrete_columns=_columns(args.discrete))
    out = _save(model, out)
    t = model.training_
    print(f"trained {t['steps']} steps ({t['epochs']:.1f} epochs) on {t['rows']} rows in {t['seconds']:.1f} s"
          + (f"; {t['stopped_by']}" if t.get("stopped_by") else ""))
    print(f"model folder: {out}")
    return 0


def _save(model: Any, out: Path) -> Path:
    """Save the fitted model to ``out``; when that fails (a full disk...), do not throw the model away.

    At a terminal the user is asked for other folders until one works (an empty answer gives up);
    otherwise the model goes to a folder in the system's temporary directory, and the error that
    follows names it.
    """
    import os
    import sys
    import tempfile
    import time

    from ganforge.errors import OutputError

    try:
        return model.save(out)
    except OutputError as exc:
        first = exc
    if sys.stdin is not None and sys.stdin.isatty():
        error: OutputError = first
        while True:
            answer = input(f"{error}\nanother folder to save the trained model to (empty: give up): ").strip()
            if not answer:
                raise first
            try:
                return model.save(Path(answer).expanduser())
            except OutputError as exc:
                error = exc
    fallback = Path(tempfile.gettempdir()) / f"ganforge-model-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    try:
        model.save(fallback)
    except OutputError as exc:
        raise OutputError(f"{first}; saving the trained model to {fallback} failed too ({exc})") from None
    raise OutputError(f"{first}; the trained model was saved to {fallback} instead: move it where it belongs")


def parse_condition(text: str) -> tuple[str, str]:
    """``"income=>50K"`` -> ``("income", ">50K")`` (split at the first ``=``)."""
    column, sep, value = text.partition("=")
    if not sep or not column.strip():
        raise ConfigError(f"--condition expects COLUMN=VALUE; got {text!r}")
    return column.strip(), value


def _condition_value(model: Any, column: str, text: str) -> Any:
    """The training category of ``column`` whose text is ``text`` (so ``--condition year=2020`` finds 2020)."""
    spec = next((c for c in model.transformer_.columns if c.name == column), None)
    if spec is None:
        raise DataError(f"unknown column {column!r} in --condition; the columns are: "
                        f"{', '.join(c.name for c in model.transformer_.columns)}")
    for category in spec.categories or ():
        if str(category) == text:
            return category
    return text  # not a known category: sample() raises the error that names it


def _sample(args: argparse.Namespace) -> int:
    from ganforge.tabular.io import write_table
    from ganforge.tabular.model import TabularGAN

    if args.n < 1:
        raise ConfigError(f"-n must be >= 1; got {args.n}")
    model = TabularGAN.load(args.model)
    conditions = {}
    for text in args.condition:
        column, value = parse_condition(text)
        if column in conditions:
            raise ConfigError(f"--condition gives column {column!r} twice")
        conditions[column] = _condition_value(model, column, value)
    df = model.sample(args.n, conditions=conditions or None, seed=args.seed)
    write_table(df, args.out)
    print(f"wrote {len(df)} rows to {args.out}")
    return 0


def add_commands(subparsers: Any) -> None:
    """Add ``ganforge tabular`` and its sub-commands to the ``ganforge`` parser."""
    tab = subparsers.add_parser("tabular", help="synthetic tables: fit a model, sample, report")
    sub = tab.add_subparsers(dest="tabular_command", required=True)

    p = sub.add_parser("fit", help="fit a TabularGAN to a table and save it as a model folder")
    p.add_argument("data", help="the table: .csv (optionally compressed) or .parquet")
    p.add_argument("--out", required=True, help="model folder to write (must not exist yet)")
    p.add_argument("--discrete", default=None, metavar="A,B",
                   help="columns to treat as discrete, besides the detected ones")
    p.add_argument("--epochs", type=int, default=None, help="passes over the table (default 100)")
    p.add_argument("--time-budget", default=None, metavar="DURATION",
                   help="train until this much time has passed, e.g. 90s, 3m, 1h (instead of --epochs)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:N")
    p.add_argument("--precision", default=None, choices=["auto", "bf16", "fp32"])
    p.add_argument("--na-values", default=None, metavar="A,B",
                   help="extra markers of missing values in a text table, e.g. '?'")
    p.add_argument("--quiet", action="store_true", help="no column table, no progress bar")
    p.set_defaults(func=_fit)

    p = sub.add_parser("sample", help="sample synthetic rows from a model folder")
    p.add_argument("model", help="model folder written by `ganforge tabular fit`")
    p.add_argument("-n", type=int, required=True, help="number of rows")
    p.add_argument("--out", required=True, help="output table: .csv (optionally .gz) or .parquet")
    p.add_argument("--condition", action="append", default=[], metavar="COLUMN=VALUE",
                   help="every row gets this value of a discrete column (repeatable)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_sample)

    from ganforge.tabular.report import add_report_command

    add_report_command(sub)
