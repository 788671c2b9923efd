"""The ``ganforge`` command line: train, sample, presets, and the commands of other packages."""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from ganforge.config import ConfigError, parse_set

# Packages that add sub-commands: each module has ``add_commands(subparsers)``; each command sets
# ``func(args) -> exit code`` and reports bad input by raising a ganforge.errors.GanforgeError.
COMMAND_MODULES: tuple[str, ...] = ("ganforge.metrics.cli", "ganforge.applications.augment", "ganforge.tabular.cli",
                                     "ganforge.features.cli")


def _train(args: argparse.Namespace) -> int:
    from ganforge.experiment import train

    from ganforge.training import Evaluate

    trainer = train(args.config, out=args.out, resume=args.resume, overrides=[parse_set(args.set)])
    if trainer.dist.is_main:
        for cb in trainer.callbacks:
            if isinstance(cb, Evaluate) and cb.last:
                print("  ".join(f"{k}={v:.4g}" for k, v in cb.last.items()))
        print(f"run folder: {trainer.run_dir}")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from ganforge.experiment import load_run
    from ganforge.io import atomic_write, save_picture, to_uint8

    if args.n < 1:
        raise ConfigError(f"-n must be >= 1; got {args.n}")
    gan, _ = load_run(args.run, checkpoint=args.checkpoint)
    g = torch.Generator().manual_seed(args.seed)
    samples = gan.sample(args.n, generator=g, averaged=not args.no_ema).cpu()
    out = Path(args.out)
    if out.suffix == ".npz":
        arrays = {"images": to_uint8(samples).transpose(0, 3, 1, 2)} if samples.ndim == 4 else {"data": samples.numpy()}
        atomic_write(out, lambda f: np.savez_compressed(f, **arrays))
    elif out.suffix:
        raise ConfigError(f"--out must be a folder or a .npz file; got {out}")
    else:
        out.mkdir(parents=True, exist_ok=True)
        if samples.ndim == 4:
            from PIL import Image

            for i, img in enumerate(to_uint8(samples)):
                pil = Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img)
                atomic_write(out / f"sample_{i:05d}.png", lambda f, p=pil: p.save(f, format="PNG"))
        else:
            atomic_write(out / "samples.npy", lambda f: np.save(f, samples.numpy()))
        if samples.ndim == 4 or samples.shape[1] <= 2:
            save_picture(out / "overview.png", samples[:64] if samples.ndim == 4 else samples)
    print(f"wrote {args.n} samples to {out}")
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
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a GAN from a preset or a YAML config")
    p.add_argument("config", nargs="?", default=None,
                   help="a preset name (see `ganforge presets`) or a YAML file; default: the mnist preset")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config key, e.g. --set train.steps=500 (repeatable)")
    p.add_argument("--out", default=None, help="run folder (default: runs/NAME-TIMESTAMP)")
    p.add_argument("--resume", default=None, metavar="RUN", help="continue the run in this folder")
    p.set_defaults(func=_train)

    p = sub.add_parser("sample", help="generate samples from a trained run")
    p.add_argument("run", help="run folder")
    p.add_argument("-n", type=int, default=64, help="number of samples (default 64)")
    p.add_argument("--out", required=True, help="a folder (PNG files / samples.npy) or a .npz file")
    p.add_argument("--checkpoint", default="last", help="checkpoint name in RUN/checkpoints (default last)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-ema", action="store_true", help="use the raw generator even if the run kept an EMA")
    p.set_defaults(func=_sample)

    p = sub.add_parser("presets", help="list the named presets")
    p.set_defaults(func=_presets)

    for module in COMMAND_MODULES:
        importlib.import_module(module).add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from ganforge.errors import GanforgeError
    from ganforge.training.runtime import shutdown_distributed

    args = build_parser().parse_args(argv)
    warnings.formatwarning = lambda msg, cat, *a, **k: f"warning: {msg}\n"
    finished = False
    try:
        code = args.func(args)
        finished = True
        return code
    except GanforgeError as exc:
        print(f"ganforge {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        shutdown_distributed(synchronize=finished)  # under torchrun: every rank leaves the group cleanly


if __name__ == "__main__":
    sys.exit(main())
