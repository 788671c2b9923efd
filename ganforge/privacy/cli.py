"""``ganforge anonymize``: a personal table in, a release folder out (see :mod:`ganforge.privacy.anonymize`)."""

from __future__ import annotations

import argparse
from typing import Any

from ganforge import console


def _anonymize(args: argparse.Namespace) -> int:
    from ganforge.io import check_output
    from ganforge.privacy.anonymize import CARD, FORMAT, anonymize
    from ganforge.tabular.cli import _columns
    from ganforge.tabular.io import read_arguments, read_table
    from ganforge.tabular.model import parse_duration

    def own(path) -> bool:
        import json

        try:
            return json.loads((path / CARD).read_text()).get("format") == FORMAT
        except (OSError, ValueError, AttributeError):
            return False

    out = check_output(args.out, overwrite=args.overwrite, own=own, inputs=[args.data], folder=True,
                       what="a release folder")
    df = read_table(args.data, **read_arguments(args))
    options: dict[str, Any] = {"verbose": console.verbosity() > console.QUIET, "device": args.device}
    if args.epochs is not None:
        options["epochs"] = args.epochs
    if args.time_budget is not None:
        options["time_budget"] = parse_duration(args.time_budget)
    if args.public_metadata:
        from ganforge.privacy.params import read_public_metadata

        options["public_metadata"] = read_public_metadata(args.public_metadata)
    card = anonymize(df, out, epsilon=args.epsilon, delta=args.delta, id_columns=_columns(args.id_columns) or (),
                     quasi_identifiers=_columns(args.quasi_identifiers) or (),
                     sensitive=_columns(args.sensitive) or (), target=args.target,
                     holdout_fraction=args.holdout_fraction, canaries=args.canaries, model_options=options,
                     seed=args.seed, inputs={"data": str(args.data)})
    print("\n".join(card["verdict"]))
    console.info(f"release folder: {out}")
    return 0


def add_commands(subparsers: Any) -> None:
    """Add ``ganforge anonymize``."""
    from ganforge.tabular.read_options import add_read_arguments

    p = subparsers.add_parser(
        "anonymize", help="a personal table -> a synthetic release folder with model card, report and verdict",
        description="Fit a TabularGAN (with differential privacy when --epsilon is given) on the table less a "
                    "holdout, attack the synthetic table (membership, attribute inference, singling out, "
                    "linkability, a canary audit) and write synthetic.csv, model_card.json, MODEL_CARD.md, "
                    "report.json and VERDICT.txt into --out, whole or not at all.")
    p.add_argument("data", help="the table: .csv (optionally compressed) or .parquet")
    p.add_argument("--out", required=True, help="release folder to write")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    p.add_argument("--epsilon", type=float, default=None,
                   help="differential privacy budget (default: none, and no formal guarantee)")
    p.add_argument("--delta", type=float, default=None, help="DP delta (default 1 / n^1.1)")
    p.add_argument("--id-columns", default=None, metavar="A,B", help="identifier columns (fresh keys in the release)")
    p.add_argument("--quasi-identifiers", default=None, metavar="A,B",
                   help="columns an attacker may know (age, zip code, sex ...): used by the attacks")
    p.add_argument("--sensitive", default=None, metavar="A,B", help="columns an attacker wants to learn")
    p.add_argument("--target", default=None, help="column to predict for the utility figures")
    p.add_argument("--holdout-fraction", type=float, default=0.2,
                   help="share of rows kept out of training for the attacks (default 0.2)")
    p.add_argument("--canaries", type=int, default=100, help="canary records of the audit (default 100)")
    p.add_argument("--public-metadata", default=None, metavar="JSON",
                   help="with --epsilon: categories / ranges known publicly, {column: {\"categories\": [...]} or "
                        "{\"range\": [lo, hi]}}, taken as given instead of learnt with part of the budget")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--time-budget", default=None, metavar="DURATION")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    add_read_arguments(p)
    p.set_defaults(func=_anonymize)
