"""``ganforge tabular fit|sample|report``: synthetic tables from the command line.

Bad input raises :class:`~ganforge.data.DataError` or :class:`~ganforge.config.ConfigError` (the
``ganforge`` entry point prints them); a failed fit leaves no model folder behind, since the
model is written to a temporary sibling folder and renamed into place only when complete.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from ganforge import console
from ganforge.errors import ConfigError, DataError

__all__ = ["add_commands", "add_report_command", "parse_condition"]


def _columns(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [c.strip() for c in text.split(",") if c.strip()]
    if not names:
        raise ConfigError(f"expected column names separated by commas; got {text!r}")
    return names


def _fit(args: argparse.Namespace) -> int:
    from ganforge.tabular.io import read_arguments, read_table
    from ganforge.tabular.model import TabularGAN, parse_duration

    if args.epochs is not None and args.time_budget is not None:
        raise ConfigError("give --epochs or --time-budget, not both")
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out {out} already exists; remove it or choose another folder")
    budget = parse_duration(args.time_budget)
    options: dict[str, Any] = {"epochs": args.epochs, "time_budget": budget, "seed": args.seed,
                               "device": args.device,
                               "verbose": console.verbosity() > console.QUIET}
    if args.batch_size is not None:
        options["batch_size"] = args.batch_size
    if args.precision is not None:
        options["precision"] = args.precision
    options["min_category_count"] = args.min_category_count
    options["identifiers"] = "drop" if args.drop_ids else "generate"
    if args.epsilon is not None:
        options.update(epsilon=args.epsilon, delta=args.delta)
        if args.public_metadata:
            from ganforge.privacy.params import read_public_metadata

            options["public_metadata"] = read_public_metadata(args.public_metadata)
    model = TabularGAN(**options)
    df = read_table(args.data, **read_arguments(args))
    try:
        kinds = {name: "identifier" for name in _columns(args.id_columns) or ()}
        model.fit(df, discrete_columns=_columns(args.discrete), column_kinds=kinds or None)
    except KeyboardInterrupt:
        if model.gan_ is None:  # stopped before the first training step: nothing to keep
            raise
        out = _save(model, out)
        print(f"{model.training_['stopped_by']}: saved the model trained so far to {out}")
        return 130
    out = _save(model, out)
    t = model.training_
    console.info(f"trained {t['steps']} steps ({t['epochs']:.1f} epochs) on {t['rows']} rows in {t['seconds']:.1f} s, "
                 f"{t['rows_per_second']:,} rows/s" + (f"; {t['stopped_by']}" if t.get("stopped_by") else ""))
    console.info(f"model folder: {out}")
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


def parse_condition(text: str, columns: Sequence[str] = ()) -> dict[str, Any]:
    """``--condition`` as ``{column: value}``: ``COLUMN=VALUE`` or JSON ``{"COLUMN": VALUE, ...}``.

    ``COLUMN=VALUE`` is split at the last ``=`` (a column name may contain ``=``), or at the one
    ``=`` whose left side is among ``columns`` when only one is (a value may contain ``=``).
    """
    if text.lstrip().startswith("{"):
        try:
            pairs = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--condition {text!r} is not valid JSON: {exc}") from None
        if not isinstance(pairs, dict) or not pairs:
            raise ConfigError(f"--condition in JSON must be an object {{\"column\": value, ...}}; got {text!r}")
        return pairs
    cuts = [i for i, c in enumerate(text) if c == "="]
    known = [i for i in cuts if text[:i].strip() in columns]
    cut = known[0] if len(known) == 1 else (cuts[-1] if cuts else -1)
    if cut < 0 or not text[:cut].strip():
        raise ConfigError(f"--condition expects COLUMN=VALUE or JSON {{\"COLUMN\": VALUE}}; got {text!r}")
    return {text[:cut].strip(): text[cut + 1:]}


def _condition_value(model: Any, column: str, value: Any) -> Any:
    """The training category of ``column`` that ``value`` spells (so ``--condition year=2020`` finds 2020)."""
    spec = next((c for c in model.transformer_.columns if c.name == column), None)
    if spec is None:
        raise DataError(f"unknown column {column!r} in --condition; the columns are: "
                        f"{', '.join(c.name for c in model.transformer_.columns)}")
    for category in spec.categories or ():
        if str(category) == str(value) or (not isinstance(value, str) and category == value):
            return category
    return value  # not a known category: sample() raises the error that names it


def _sample(args: argparse.Namespace) -> int:
    from ganforge.tabular.io import write_table
    from ganforge.tabular.model import TabularGAN

    if args.n < 1:
        raise ConfigError(f"-n must be >= 1; got {args.n}")
    if args.out != "-":
        from ganforge.io import check_output

        check_output(args.out, overwrite=args.overwrite, inputs=[args.model])  # a table's provenance is unreadable
    model = TabularGAN.load(args.model)
    conditions: dict[str, Any] = {}
    columns = [c.name for c in model.transformer_.columns]
    for text in args.condition:
        for column, value in parse_condition(text, columns).items():
            if column in conditions:
                raise ConfigError(f"--condition gives column {column!r} twice")
            conditions[column] = _condition_value(model, column, value)
    df = model.sample(args.n, conditions=conditions or None, seed=args.seed)
    if args.out == "-":
        from ganforge.tabular.io import _escaped

        (_escaped(df) if args.escape_formulas else df).to_csv(sys.stdout, index=False)
    else:
        write_table(df, args.out, escape_formulas=args.escape_formulas)
    console.info(f"wrote {len(df)} rows to {'standard output' if args.out == '-' else args.out}")
    return 0


def add_commands(subparsers: Any) -> None:
    """Add ``ganforge tabular`` and its sub-commands to the ``ganforge`` parser."""
    tab = subparsers.add_parser("tabular", help="synthetic tables: fit a model, sample, report")
    sub = tab.add_subparsers(dest="tabular_command", required=True)

    from ganforge.tabular.read_options import add_read_arguments

    p = sub.add_parser("fit", help="fit a TabularGAN to a table and save it as a model folder",
                       description="Fit a TabularGAN to a table and save it as a model folder. Ctrl-C or SIGTERM "
                                   "stops after the current step and saves the model trained so far (exit 130).")
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
    p.add_argument("--id-columns", default=None, metavar="A,B",
                   help="columns to treat as identifiers, besides the detected ones (ids, e-mails, phones, UUIDs)")
    p.add_argument("--drop-ids", action="store_true",
                   help="leave identifier columns out of the samples (default: fresh values of the same format)")
    p.add_argument("--min-category-count", type=int, default=5, metavar="K",
                   help="categories seen fewer than K times are pooled into 'other' and never stored in the model "
                        "nor sampled (default 5; 1 keeps every category)")
    p.add_argument("--epsilon", type=float, default=None,
                   help="train with differential privacy within this epsilon (DP preprocessing and DP-SGD; "
                        "default: no formal guarantee)")
    p.add_argument("--delta", type=float, default=None, help="DP delta with --epsilon (default 1 / n^1.1)")
    p.add_argument("--public-metadata", default=None, metavar="JSON",
                   help="with --epsilon: categories / ranges known publicly (JSON {column: {\"categories\": [...]} "
                        "or {\"range\": [lo, hi]}}), taken as given instead of learnt with part of the budget")
    add_read_arguments(p)
    p.set_defaults(func=_fit)

    p = sub.add_parser("sample", help="sample synthetic rows from a model folder")
    p.add_argument("model", help="model folder written by `ganforge tabular fit`")
    p.add_argument("-n", type=int, required=True, help="number of rows")
    p.add_argument("--out", required=True, help="output table: .csv (optionally .gz) or .parquet; - for CSV on "
                                                "standard output")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    p.add_argument("--condition", action="append", default=[], metavar="COLUMN=VALUE",
                   help="every row gets this value of a discrete column (repeatable); split at the last '=', "
                        "or JSON: '{\"a=b\": \"x\"}'")
    p.add_argument("--escape-formulas", action=argparse.BooleanOptionalAction, default=False,
                   help="prefix ' to text cells starting with = + - @ so a spreadsheet shows them instead of "
                        "running them (off by default: the cells are data, and escaping changes them)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_sample, out_to_stdout=True)

    add_report_command(sub)


def _report(args: argparse.Namespace) -> int:
    from ganforge.io import check_output
    from ganforge.tabular.report import _report_command

    check_output(args.out, overwrite=True, folder=True)  # a folder: only its two files are checked
    inputs = [args.real, args.synthetic, args.holdout]
    for name, own in (("report.json", _own_report_json), ("report.html", _own_report_html)):
        check_output(Path(args.out) / name, overwrite=args.overwrite, inputs=inputs, own=own, what="a report")
    return _report_command(args)


def _own_report_json(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and {"n_rows", "columns", "fidelity"} <= data.keys()


def _own_report_html(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "<title>ganforge tabular report</title>" in f.read(200)
    except OSError:
        return False


def add_report_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``report REAL SYNTHETIC [--holdout TEST] [--target COL] [--out DIR]`` to ``subparsers``."""
    p = subparsers.add_parser(
        "report", help="fidelity, utility and privacy of a synthetic table (prints a table, writes JSON + HTML)",
        description="Compare a synthetic table with the real one it was trained on: column shapes, pair trends, "
                    "detection AUC; with --target train-synthetic-test-real utility; with --holdout (real rows "
                    "not used for training) distances to closest records, exact copies and membership inference.")
    p.add_argument("real", help="the real (training) table: .csv[.gz] or .parquet")
    p.add_argument("synthetic", help="the synthetic table, with the same columns")
    p.add_argument("--holdout", default=None, metavar="TEST", help="real rows not used for training (privacy, utility)")
    p.add_argument("--target", default=None, metavar="COL", help="column to predict for the utility figures")
    p.add_argument("--discrete", default=None, metavar="A,B", help="columns to treat as discrete")
    p.add_argument("--quasi-identifiers", default=None, metavar="A,B",
                   help="columns an attacker may know (age, zip code, sex ...): singling-out, linkability and, "
                        "with --sensitive, attribute-inference risks (with --holdout)")
    p.add_argument("--sensitive", default=None, metavar="A,B", help="columns an attacker wants to learn")
    p.add_argument("--model", default=None, metavar="DIR",
                   help="the model folder that made the synthetic table (named on the page, with its seed)")
    p.add_argument("--out", default=".", metavar="DIR", help="folder for report.json and report.html (default .)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace report.json / report.html even if they are not reports ganforge wrote")
    from ganforge.tabular.read_options import add_read_arguments

    add_read_arguments(p)
    p.add_argument("--detection-model", choices=("gbm", "logistic"), default="gbm")
    p.add_argument("--max-rows", type=int, default=10_000,
                   help="rows per table for the detection and distance figures (0 = all; default 10000)")
    p.add_argument("--threads", type=int, default=1,
                   help="BLAS/OpenMP threads for the models (0 = the libraries' defaults; default 1)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_report)
    return p
