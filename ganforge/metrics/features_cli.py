"""``ganforge features train``: a feature extractor trained on your own images, for evaluation (the command
lives beside ``ganforge evaluate`` so that building the parser imports no torch).

    ganforge features train DATA [--labels FILE] [--out extractor.pt] [--steps 400] [--time-budget 60]

With labels (an array file's, class sub-folders, or --labels) it trains a small CNN classifier,
otherwise a self-supervised (contrastive) CNN; see :mod:`ganforge.features.train`. Use the file
with ``ganforge evaluate --features extractor.pt`` (and, when it is a classifier, for cond_acc).
"""

from __future__ import annotations

import argparse
from typing import Any

from ganforge.errors import ConfigError

__all__ = ["add_commands"]


def add_commands(sub: Any) -> None:
    p = sub.add_parser("features", help="feature extractors for evaluation: train one on your own data",
                       description="Feature extractors for evaluation.")
    commands = p.add_subparsers(dest="features_command", required=True)
    t = commands.add_parser("train", help="train an extractor on your images (a classifier with labels, "
                                          "else self-supervised)", description=__doc__.split("\n\n")[0])
    t.add_argument("data", help="image folder, .npy/.npz file or built-in name")
    t.add_argument("--labels", default=None, metavar="FILE", help="label file for the images (else the data's own)")
    t.add_argument("--self-supervised", action="store_true", help="ignore the labels: train a contrastive extractor")
    t.add_argument("--out", default="extractor.pt", help="TorchScript file to write (default extractor.pt)")
    t.add_argument("--overwrite", action="store_true", help="replace --out even if it is not an extractor ganforge "
                                                            "wrote")
    t.add_argument("--steps", type=int, default=400, help="training steps (default 400)")
    t.add_argument("--time-budget", type=float, default=60.0, metavar="SECONDS",
                   help="stop after this many seconds even if steps remain (default 60)")
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--size", type=int, default=32, help="the network's input size; images are resized to it "
                                                         "inside the network (a multiple of 8, default 32)")
    t.add_argument("--image-size", type=int, default=None, help="resize the images when loading (mixed sizes)")
    t.add_argument("--seed", type=int, default=0)
    t.set_defaults(func=_train)


def _train(args: argparse.Namespace) -> int:
    from ganforge.data import load_dataset
    from ganforge.features.train import check_output, save_extractor, train_extractor

    if args.size < 8 or args.size % 8:
        raise ConfigError(f"--size must be a multiple of 8; got {args.size}")
    check_output(args.out, overwrite=args.overwrite, inputs=[args.data, args.labels])  # before the training
    ds = load_dataset(args.data, labels=args.labels, image_size=args.image_size, seed=args.seed)
    labels = None if args.self_supervised else ds.labels
    what = f"a classifier of {int(labels.max()) + 1} classes" if labels is not None else "a self-supervised extractor"
    print(f"training {what} on {len(ds)} images of shape {ds.sample_shape} from {args.data} "
          f"(at most {args.steps} steps or {args.time_budget:g} s)")
    model, meta = train_extractor(ds.data, labels, steps=args.steps, time_budget=args.time_budget,
                                  batch_size=args.batch_size, size=args.size, seed=args.seed, source=str(args.data))
    path = save_extractor(model, meta, args.out, overwrite=args.overwrite)
    held_out = f"; accuracy {meta['val_accuracy']:.3f} on {meta['val_n']} held-out images" if "val_accuracy" in meta \
        else ""
    print(f"wrote {path} ({meta['kind']}, {meta['feature_dim']}-d features{held_out}); "
          f"use it with: ganforge evaluate ... --features {path}")
    return 0
