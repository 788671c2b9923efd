"""The ``ganforge`` command line: train, sample, presets, and the commands of other packages.

Building the parser imports no torch (``ganforge --help`` answers at once): the command modules keep
their heavy imports inside the command functions. Every command takes ``-q``/``-v``; an expected
failure (a :class:`~ganforge.errors.GanforgeError`, a missing or unwritable file) is one line
``ganforge COMMAND: error: ...`` on stderr and exit code 2, anything else a bug with its traceback.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys
import warnings
from typing import Sequence

from ganforge import __version__, console
from ganforge.errors import ConfigError, GanforgeError

# Packages that add sub-commands: each module has ``add_commands(subparsers)`` and imports nothing heavy
# at import time; each command sets ``func(args) -> exit code`` and reports bad input by raising a
# GanforgeError. A command whose ``--out`` may be ``-`` (standard output) sets ``out_to_stdout=True``.
COMMAND_MODULES: tuple[str, ...] = ("ganforge.metrics.cli", "ganforge.applications.cli", "ganforge.tabular.cli",
                                     "ganforge.metrics.features_cli", "ganforge.privacy.cli",
                                     "ganforge.impute.cli")

# OSErrors that are the user's to fix (a missing input, an unwritable or full output), not bugs.
_USER_OS_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError)
_USER_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.ENAMETOOLONG}


def _train(args: argparse.Namespace) -> int:
    from ganforge.config import parse_set
    from ganforge.runs.experiment import train
    from ganforge.training import Evaluate

    overrides = [parse_set(args.set)]
    if args.time_budget is not None:
        overrides.append({"train": {"time_budget": args.time_budget}})
    if console.verbosity() == console.QUIET:
        overrides.append({"train": {"progress": False}})
    trainer = train(args.config, out=args.out, resume=args.resume, overrides=overrides)
    if trainer.dist.is_main:
        for cb in trainer.callbacks:
            if isinstance(cb, Evaluate) and cb.last:
                print("  ".join(f"{k}={v:.4g}" for k, v in cb.last.items()))
        console.info(f"run folder: {trainer.run_dir}")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from ganforge.runs.experiment import load_run
    from ganforge.runs.samples import check_samples_output, parse_labels, write_samples

    check_samples_output(args.out, overwrite=args.overwrite, inputs=[args.run])  # before loading anything
    gan, _ = load_run(args.run, checkpoint=args.checkpoint)
    labels = parse_labels(args.labels, getattr(gan, "num_classes", None))
    if args.out == "-":
        console.output_on_stdout()
    where = write_samples(gan, args.n, args.out, labels=labels, seed=args.seed, averaged=not args.no_ema,
                          overwrite=args.overwrite)
    console.info(f"wrote {args.n} samples to {where}")
    return 0


def _presets(args: argparse.Namespace) -> int:
    from ganforge.presets import DEFAULT_PRESET, PRESETS

    width = max(map(len, PRESETS))
    for name, preset in PRESETS.items():
        mark = " (default)" if name == DEFAULT_PRESET else ""
        print(f"{name:<{width}}  {preset.description}{mark}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganforge", description="Train, evaluate and use GANs.")
    parser.add_argument("--version", action="version", version=f"ganforge {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a GAN from a preset or a YAML config")
    p.add_argument("config", nargs="?", default=None,
                   help="a preset name (see `ganforge presets`) or a YAML file; default: the mnist preset")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config key, e.g. --set train.steps=500 (repeatable)")
    p.add_argument("--out", default=None, help="run folder (default: runs/NAME-TIMESTAMP)")
    p.add_argument("--resume", default=None, metavar="RUN", help="continue the run in this folder")
    p.add_argument("--time-budget", default=None, metavar="DURATION",
                   help="stop after this long (e.g. 90s, 10m; train.time_budget): the steps that fit are estimated "
                        "after the first ones, and the LR schedule and EMA start follow them")
    p.set_defaults(func=_train)

    p = sub.add_parser("sample", help="generate samples from a trained run")
    p.add_argument("run", help="run folder")
    p.add_argument("-n", type=int, default=64, help="number of samples (default 64)")
    p.add_argument("--out", required=True, help="a folder (PNG files / samples.npy; .wav or .mid files and overview.png for "
                                                "sound runs), a .npz file, or - for points "
                                                "(1-D/2-D runs) as CSV on standard output")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing --out that ganforge did not write (in a folder: the files of the same "
                        "names); without it only an earlier `ganforge sample` output is replaced")
    p.add_argument("--checkpoint", default="last", help="checkpoint name in RUN/checkpoints (default last)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-ema", action="store_true", help="use the raw generator even if the run kept an EMA")
    p.add_argument("--labels", default=None, metavar="SPEC",
                   help="class-conditional runs: balanced (default; equal blocks of every class), a class (3) or "
                        "classes cycled (0,1,2); stored with the samples (labels in the .npz, labels.csv in a folder)")
    p.set_defaults(func=_sample, out_to_stdout=True)

    p = sub.add_parser("presets", help="list the named presets")
    p.set_defaults(func=_presets)

    for module in COMMAND_MODULES:
        importlib.import_module(module).add_commands(sub)
    for command in _commands(parser):
        _add_common_options(command)
    return parser


def _commands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers of every command that runs (the leaves of nested sub-commands)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [parser]
    children = {id(p): p for a in subs for p in a.choices.values()}  # aliases share a parser
    return [leaf for child in children.values() for leaf in _commands(child)]


def _add_common_options(p: argparse.ArgumentParser) -> None:
    """``-q``/``-v`` on every command, and its full name (``ganforge tabular fit``) for error messages."""
    group = p.add_argument_group("output").add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=console.QUIET,
                       help="no progress bars or info lines: only results and errors")
    group.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=console.VERBOSE,
                       help="more detail: debug lines, and a traceback with every error")
    p.set_defaults(verbosity=console.NORMAL, command_name=p.prog)


def _os_error_message(exc: OSError) -> str | None:
    """One line for an OSError the user can act on (naming the path), else None (a bug: keep the traceback)."""
    if not isinstance(exc, _USER_OS_ERRORS) and exc.errno not in _USER_ERRNOS:
        return None
    what = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        what = "no space left on the device (the disk is full)"
    path = exc.filename if exc.filename is not None else ""
    return f"{path}: {what}" if path else what


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console.set_verbosity(args.verbosity)
    console.output_on_stdout(False)
    warnings.formatwarning = lambda msg, cat, *a, **k: f"warning: {msg}\n"
    finished = False
    try:
        if getattr(args, "out", None) == "-" and not getattr(args, "out_to_stdout", False):
            raise ConfigError("--out - (standard output) is for commands that write a table or points; "
                              "this one writes files: give a path")
        code = args.func(args)
        finished = True
        return code
    except GanforgeError as exc:
        return _fail(args, str(exc))
    except OSError as exc:
        message = _os_error_message(exc)
        if message is None:
            raise
        return _fail(args, message)
    except KeyboardInterrupt:
        return 130
    finally:
        if "torch.distributed" in sys.modules:  # under torchrun: every rank leaves the group cleanly
            from ganforge.training.runtime import shutdown_distributed

            shutdown_distributed(synchronize=finished)


def _fail(args: argparse.Namespace, message: str) -> int:
    """One line on stderr (with the traceback under -v) and exit code 2."""
    if console.verbosity() >= console.VERBOSE:
        import traceback

        traceback.print_exc()
    print(f"{args.command_name}: error: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
