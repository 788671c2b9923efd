"""``ganforge impute``: fill the holes of a table (CSV, TSV, Parquet) or of images (.npz/.npy with a mask)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from ganforge import console
from ganforge.errors import ConfigError, DataError
from ganforge.tabular.read_options import add_read_arguments, read_arguments

__all__ = ["add_commands"]

IMAGE_SUFFIXES = (".npz", ".npy")


def add_commands(subparsers: Any) -> None:
    """Add ``ganforge impute`` to the CLI."""
    p = subparsers.add_parser(
        "impute", help="fill missing values of a table or missing pixels of images with GAIN",
        description="Train GAIN (a generator fills the holes, a discriminator with a hint tells filled from "
                    "observed) on the data's own holes and write it completed; observed values are kept as they "
                    "are. Tables: missing cells are empty or --na-values; images: --mask marks missing pixels.")
    p.add_argument("data", help="a table (.csv, .tsv, .parquet) or images (.npz key 'images' or one array, or .npy)")
    p.add_argument("--out", default=None, help="the completed table or .npz")
    p.add_argument("--mask", default=None, help="images: .npz/.npy of the images' shape, True (1) = missing pixel")
    p.add_argument("--n-imputations", type=int, default=None, metavar="M",
                   help="write M imputations drawn from the generator (multiple imputation) into --out-dir")
    p.add_argument("--out-dir", default=None, metavar="DIR",
                   help="with --n-imputations: the folder of imputation_1 ... imputation_M")
    p.add_argument("--model", default=None, metavar="DIR",
                   help="tables: reuse the imputer saved in DIR, or save the one trained here to DIR")
    p.add_argument("--n-iter", type=int, default=None,
                   help="training iterations (default 10000 tables, 2000 images; either way at most --time-limit)")
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                   help="stop training after this many seconds (default 120 tables, 180 images)")
    p.add_argument("--hint", choices=["paper", "code"], default="paper",
                   help="hint mechanism: the paper's (default) or the reference code's")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out / files in --out-dir")
    add_read_arguments(p)
    p.set_defaults(func=_run)


def _options(args) -> dict:
    opts = {"hint": args.hint, "random_state": args.seed, "device": args.device}
    if args.n_iter is not None:
        opts["n_iter"] = args.n_iter
    if args.time_limit is not None:
        opts["time_limit"] = args.time_limit
    return opts


def _check_targets(args) -> None:
    from ganforge.io import check_output

    if args.n_imputations is not None:
        if args.n_imputations < 1:
            raise ConfigError(f"--n-imputations must be >= 1, got {args.n_imputations}")
        if not args.out_dir:
            raise ConfigError("--n-imputations needs --out-dir (the folder of the M completed data sets)")
    elif args.out_dir:
        raise ConfigError("--out-dir goes with --n-imputations M")
    if args.out is None and args.n_imputations is None:
        raise ConfigError("give --out (the completed data) or --n-imputations M --out-dir DIR")
    if args.out is not None:
        check_output(args.out, overwrite=args.overwrite, inputs=[args.data, args.mask])


def _run(args: argparse.Namespace) -> int:
    _check_targets(args)
    if Path(args.data).suffix.lower() in IMAGE_SUFFIXES:
        return _images(args)
    if args.mask:
        raise ConfigError("--mask is for images (.npz/.npy); a table's missing cells are empty or --na-values")
    return _table(args)


def _table(args) -> int:
    import warnings

    from ganforge.io import check_output
    from ganforge.tabular.io import read_table, write_table

    from . import persist
    from .model import GANImputer, ImputeWarning

    df = read_table(args.data, **read_arguments(args))
    missing = df.isna().sum()
    width = max(6, *(len(str(c)) for c in df.columns))
    print(f"{'column':<{width}}  {'missing':>8}  {'share':>6}")
    for name, count in missing.items():
        print(f"{str(name):<{width}}  {int(count):>8}  {count / max(len(df), 1):>6.1%}")
    print(f"{'total':<{width}}  {int(missing.sum()):>8}  {missing.sum() / max(df.size, 1):>6.1%}")
    start = time.perf_counter()
    if missing.sum() == 0:
        console.info("nothing is missing: the table is written unchanged")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImputeWarning)  # nothing missing: said above
        if args.model and persist.is_model(args.model):
            imputer = persist.load(args.model, device=args.device)
            console.info(f"reusing the imputer in {args.model}")
        else:
            imputer = GANImputer(**_options(args), verbose=console.verbosity() >= console.VERBOSE).fit(df)
            if args.model:
                persist.save(imputer, args.model)
                console.info(f"saved the imputer to {args.model}")
        fitted = time.perf_counter()
        if args.out is not None:
            write_table(imputer.transform(df), args.out)
        if args.n_imputations:
            Path(args.out_dir).mkdir(parents=True, exist_ok=True)
            for i, table in enumerate(imputer.transform(df, n_imputations=args.n_imputations), 1):
                target = Path(args.out_dir) / f"imputation_{i}{''.join(Path(args.data).suffixes) or '.csv'}"
                check_output(target, overwrite=args.overwrite, inputs=[args.data])
                write_table(table, target)
    done = time.perf_counter()
    training = imputer.training_
    kept = (f", kept the generator of iteration {training['best_iteration']}, best on held-out entries"
            if "best_iteration" in training else "")
    print(f"imputed {int(missing.sum())} values in {done - start:.1f} s (training {fitted - start:.1f} s, "
          f"{training.get('iterations', 0)} iterations{kept})")
    return 0


def _array(path: str, key: str):
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            if isinstance(data, np.ndarray):
                return data
            if key in data.files:
                return data[key]
            if len(data.files) == 1:
                return data[data.files[0]]
            raise DataError(f"{path} holds {', '.join(data.files)}: name the array {key!r}")
    except ValueError as exc:
        raise DataError(f"cannot read {path}: {exc}") from None


def _images(args) -> int:
    import numpy as np

    from ganforge.io import atomic_write, check_output

    from .images import ImageImputer

    if not args.mask:
        raise ConfigError("images need --mask (an array of their shape, True = missing pixel)")
    if args.model:
        raise ConfigError("--model applies to tables")
    images, mask = _array(args.data, "images"), _array(args.mask, "mask")
    start = time.perf_counter()
    imputer = ImageImputer(**_options(args), verbose=console.verbosity() >= console.VERBOSE)
    m = np.asarray(mask)
    print(f"{m.shape[0] if m.ndim else 0} images, {int(m.sum()) if m.dtype.kind in 'bui' else 0} missing pixels "
          f"({m.mean() if m.size and m.dtype.kind in 'bui' else 0:.1%})")
    imputer.fit(images, mask)
    fitted = time.perf_counter()

    def save(path, array):
        atomic_write(path, lambda f: np.savez_compressed(f, images=array))

    if args.out is not None:
        save(args.out, imputer.transform(images, mask))
    if args.n_imputations:
        Path(args.out_dir).mkdir(parents=True, exist_ok=True)
        for i, filled in enumerate(imputer.transform(images, mask, n_imputations=args.n_imputations), 1):
            target = check_output(Path(args.out_dir) / f"imputation_{i}.npz", overwrite=args.overwrite,
                                  inputs=[args.data, args.mask])
            save(target, filled)
    print(f"filled in {time.perf_counter() - start:.1f} s (training {fitted - start:.1f} s, "
          f"{imputer.training_['iterations']} iterations)")
    return 0
