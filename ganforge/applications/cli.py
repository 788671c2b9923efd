"""``ganforge augment``: the command line of :mod:`ganforge.applications.enlarge` (kept apart so that
building the parser imports neither torch nor the data sets)."""

from __future__ import annotations

import argparse
from typing import Any

from ganforge import console
from ganforge.applications import METHODS
from ganforge.config import parse_set
from ganforge.errors import ConfigError
from ganforge.tabular.read_options import add_read_arguments, read_arguments

__all__ = ["add_commands"]

def add_commands(subparsers: Any) -> None:
    """Add ``ganforge augment`` to the CLI."""
    p = subparsers.add_parser(
        "augment", help="enlarge or re-balance a labelled data set with a conditional GAN or DAGAN",
        description="Train (or reuse with --run) a conditional GAN or DAGAN on a labelled data set and write it "
                    "enlarged (--per-class N) or re-balanced (--balance), with a manifest of the synthetic samples. "
                    "A new run trains on class-balanced batches (and, for cgan, with the mode-seeking term) so "
                    "rare classes are learned; --set train.class_balanced=false / gan.mode_seeking=0 turn that off.")
    p.add_argument("data", help="a folder with one sub-folder per class, an .npz with images and labels, .npy images "
                                "or a flat folder with --labels, a built-in (mnist, digits), or a table (CSV, Parquet)")
    p.add_argument("--out", required=True, help="the new data set: a folder (images) or a .csv/.parquet file (tables)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--balance", action="store_true", help="top every class up to the size of the largest")
    how.add_argument("--per-class", type=int, metavar="N", help="top every class up to N samples")
    p.add_argument("--method", choices=METHODS, default=None,
                   help="images: cgan (default) samples a class-conditional GAN, dagan varies the class's real "
                        "images; tables: tabular (TabularGAN's exact conditional sampling)")
    p.add_argument("--target", default=None, metavar="COLUMN", help="tables: the class column to re-balance")
    p.add_argument("--labels", default=None, metavar="FILE",
                   help="label file (.txt, .npy, .csv) for .npy images or an image folder without class sub-folders")
    p.add_argument("--run", default=None, metavar="RUN", help="reuse this trained run instead of training")
    p.add_argument("--train-out", default=None, metavar="RUN",
                   help="where the new run goes (default runs/augment-METHOD-TIMESTAMP)")
    p.add_argument("--preset", default=None, help="preset of the new run (default: by method and image size)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key of the new run, e.g. --set train.steps=500 (repeatable)")
    check = p.add_argument_group("the held-out check (images)")
    check.add_argument("--validation", type=float, default=0.2, metavar="SHARE",
                       help="hold out this stratified share of the images (never trained on) and check that the "
                            "synthetic data beats real only, classical augmentation and random oversampling for a "
                            "quick classifier (default 0.2; 0 turns the check off)")
    check.add_argument("--force", action="store_true",
                       help="hand over the synthetic data even when the check finds a baseline better")
    check.add_argument("--fallback", choices=["baseline", "none"], default="baseline",
                       help="when the synthetic data does not help: write the best baseline's data set (default) "
                            "or nothing")
    check.add_argument("--mix", type=float, default=None, metavar="SHARE",
                       help="write this share (0-1] of the planned synthetic images (default: the better of half and "
                            "all of them on the held-out images; all of them without the check)")
    check.add_argument("--no-filter", dest="filter_samples", action="store_false",
                       help="keep every synthetic sample (default: keep those a classifier trained on the real "
                            "images reads as their class and that lie near real images)")
    p.add_argument("--time-budget", default=None, metavar="DURATION",
                   help="train the new model for at most this long (e.g. 10m); schedules follow the steps that fit")
    p.add_argument("--image-size", type=int, default=None, help="resize images to this square size")
    p.add_argument("--format", default="auto", choices=["auto", "folder", "npz"],
                   help="images: a class-folder tree or data.npz (default: like the input)")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic samples")
    p.add_argument("--escape-formulas", action=argparse.BooleanOptionalAction, default=None,
                   help="prefix ' to text cells starting with = + - @ so a spreadsheet shows them instead of running "
                        "them (default: on for manifest.csv, off for an output table, whose cells are data)")
    add_read_arguments(p)  # tables: --no-header, --names, --na-values
    p.set_defaults(func=_run)
    add_translation_commands(subparsers)


def _run(args: argparse.Namespace) -> int:
    from ganforge.applications.enlarge import augment, augment_table, is_table

    overrides = [parse_set(args.set)] if args.set else []
    table = is_table(args.data)
    if console.verbosity() == console.QUIET and args.run is None:  # no progress bar, no column table
        overrides.append({"tabular": {"verbose": False}} if table else {"train": {"progress": False}})
    if args.time_budget is not None:
        if args.run is not None:
            raise ConfigError("--time-budget applies to a new model; --run reuses a trained one")
        overrides.append({"tabular" if table else "train": {"time_budget": args.time_budget}})
    method = args.method or ("tabular" if table else "cgan")
    if table != (method == "tabular"):
        raise ConfigError(f"{args.data} is a table: use --method tabular (or leave --method out)" if table
                          else "--method tabular is for tables (CSV, TSV or Parquet files)")
    read_options = read_arguments(args)
    if table:
        summary = augment_table(args.data, args.out, target=args.target, per_class=args.per_class,
                                balance=args.balance, run=args.run, train_out=args.train_out, overrides=overrides,
                                seed=args.seed, read_options=read_options, escape_formulas=bool(args.escape_formulas))
    else:
        if args.target:
            raise ConfigError("--target applies to tables; image labels come from class folders, the .npz or --labels")
        if read_options:
            raise ConfigError("--header, --names and --na-values apply to tables")
        summary = augment(args.data, args.out, method=method, per_class=args.per_class, balance=args.balance,
                          labels=args.labels, image_size=args.image_size, run=args.run, train_out=args.train_out,
                          preset=args.preset, overrides=overrides, seed=args.seed, fmt=args.format,
                          escape_formulas=args.escape_formulas is not False, validation=args.validation,
                          force=args.force, fallback=args.fallback, filter_samples=args.filter_samples,
                          mix=args.mix, progress=console.info)
        if summary.get("written") is False:
            return 0
    width = max(5, *(len(c["name"]) for c in summary["classes"]))
    print(f"{'class':<{width}}  {'real':>7}  {'synthetic':>9}  {'total':>7}")
    for c in summary["classes"]:
        if c["real"] or c["synthetic"]:
            print(f"{c['name']:<{width}}  {c['real']:>7}  {c['synthetic']:>9}  {c['total']:>7}")
    run = f" (generator: {summary['run']})" if summary.get("run") else ""
    added = summary.get("handed_over", "synthetic")
    added = "synthetic" if added in ("cgan", "dagan", "tabular") else f"added by {added}"
    console.info(f"wrote {args.out}: {summary['synthetic']} {added} of {summary.get('images', summary.get('rows'))} "
                 f"samples{run}")
    return 0


# -- translate / upscale: image-to-image runs ------------------------------------------------------------
def add_translation_commands(subparsers: Any) -> None:
    """Add ``ganforge translate`` and ``ganforge upscale``."""
    for name, what in (("translate", "translate images with a trained pix2pix / colorize / cyclegan run"),
                       ("upscale", "enlarge images with a trained srgan / esrgan run")):
        p = subparsers.add_parser(name, help=what, description=f"{what[0].upper()}{what[1:]}: every image of any "
                                  "size, in overlapping blended tiles (memory bounded by the tile), to PNGs in --out.")
        p.add_argument("run", help="run folder")
        p.add_argument("input", help="an image file or a folder of images")
        p.add_argument("--out", required=True, help="output folder (new, empty, or an earlier output of this command)")
        p.add_argument("--checkpoint", default="last", help="checkpoint name in RUN/checkpoints (default last)")
        p.add_argument("--tile", type=int, default=256, help="tile size in input pixels (default 256)")
        p.add_argument("--overlap", type=int, default=None,
                       help="overlap of neighbouring tiles in input pixels (default: twice the network's receptive "
                            "radius for SR networks, exact as the whole image; 32 for a U-Net)")
        p.add_argument("--device", default="cpu", help="cpu (default) or cuda")
        p.add_argument("--overwrite", action="store_true", help="write into an existing folder ganforge did not write")
        if name == "translate":
            p.add_argument("--direction", choices=("AtoB", "BtoA"), default=None,
                           help="cyclegan: translate A images to B (AtoB, the default) or B images to A (BtoA)")
        p.set_defaults(func=_translate, upscale=name == "upscale", direction=None)


def _translate(args: argparse.Namespace) -> int:
    from ganforge.applications.translate import translate_files

    written = translate_files(args.run, args.input, args.out, checkpoint=args.checkpoint, tile=args.tile,
                              overlap=args.overlap, device=args.device, overwrite=args.overwrite,
                              upscale=args.upscale, direction=args.direction)
    console.info(f"wrote {len(written)} image(s) to {args.out}")
    return 0
