"""Colourisation on offline photos: the same U-Net trained with L1 only vs pix2pix (L1 + cGAN).

Train on random crops of the colour photos in scikit-image's and scikit-learn's wheels (``TRAIN`` in
``image2image_common.py``), test on whole held-out ones (``TEST``): colour PSNR (RGB) and the
colourfulness ratio (Hasler & Suesstrunk; output / original). L1 alone averages the plausible
colours into greyish ones (ratio well below 1); the adversarial loss should bring colour back. The
baseline a user would otherwise have is the grey image itself (colourfulness 0), also reported.
Each model gets ``--budget-min`` minutes of training, turned into steps by timing a few steps.
Writes ``benchmarks/results/colorization[_TAG].json`` and ``docs/colorization.png`` (a tagged run: ``benchmarks/results/colorization_TAG.png``)::

    python benchmarks/colorization.py --budget-min 20 --threads 2      # the CPU run (about 45 min)
    python benchmarks/colorization.py --device cuda --budget-min 10    # on a GPU
    python benchmarks/colorization.py --budget-min 0.3 --tag quick     # a smoke test
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from image2image_common import TEST, TRAIN, parser, picture_path, save_results, score, seconds_per_step, train_stages, with_sets, write_folder  # noqa: E402


def config(source: Path, adversarial: bool, args: argparse.Namespace) -> dict:
    return {"name": "colorize", "data": {"source": str(source)}, "model": {"width": args.width},
            "gan": {"kind": "colorize", "loss": "nonsaturating"},
            "colorize": {"crop": args.crop, "depth": args.depth, "adversarial_weight": 1.0 if adversarial else 0.0,
                         "reconstruction_weight": args.l1_weight},
            "train": {"steps": 10, "batch_size": args.batch_size, "lr_g": 2e-4, "lr_d": 2e-4, "ema": 0.99,
                      "device": args.device, "progress": False, "tensorboard": False, "log_every": 50,
                      "sample_every": 500, "checkpoint_every": 10 ** 6, "seed": args.seed}}


def grey_baseline(folder: Path) -> dict:
    from ganforge.data.paired import load_paired, render
    from ganforge.io import uint8_images
    from ganforge.metrics import get_metric

    data = load_paired(folder, "colorize", crop=1, repeats=1, flip=False)
    sums: dict = {}
    for i in range(len(data.targets)):
        x, y = data.pair(i, whole=True)
        truth = uint8_images(render("colorize", x[None], y[None]))
        pred = uint8_images(render("colorize", x[None], torch.zeros_like(y[None])))
        for name in ("psnr", "colourfulness"):
            for k, v in get_metric(name)(pred, truth)["values"].items():
                sums[k] = sums.get(k, 0.0) + float(v)
    return {"values": {k: v / len(data.targets) for k, v in sums.items()}}


def picture(results: dict, folder: Path, path: Path, width: int = 200) -> None:
    """Each test image: grey input, L1, pix2pix, original (scaled to ``width``)."""
    from ganforge.plots import with_caption

    rows = []
    for i, name in enumerate(sorted(p.name for p in folder.iterdir())):
        original = np.array(Image.open(folder / name).convert("RGB"))
        grey = np.repeat(np.array(Image.fromarray(original).convert("L"))[..., None], 3, 2)
        cells = [grey] + [results[m]["outputs"][i].permute(1, 2, 0).numpy() for m in ("l1", "pix2pix")] + [original]
        h = round(original.shape[0] * width / original.shape[1])
        rows.append(np.concatenate([np.pad(np.array(Image.fromarray(c).resize((width, h))), ((2, 2), (2, 2), (0, 0)),
                                           constant_values=255) for c in cells], 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    with_caption(Image.fromarray(np.concatenate(rows, 0)), "grey input | L1 only | pix2pix (L1 + cGAN) | original").save(path)
    print(f"wrote {path}")


def main() -> None:
    p = parser(__doc__, crop=128, batch_size=4)
    p.add_argument("--depth", type=int, default=7)
    p.add_argument("--l1-weight", type=float, default=100.0, help="pix2pix's lambda (default 100)")
    p.add_argument("--pretrain-fraction", type=float, default=0.0,
                   help="share of pix2pix's budget trained on L1 alone before its adversarial stage (default 0: "
                        "adversarial from the first step, as the paper)")
    args = p.parse_args()
    if not 0 <= args.pretrain_fraction < 1:
        p.error(f"--pretrain-fraction must be in [0, 1); got {args.pretrain_fraction}")
    if args.threads:
        torch.set_num_threads(args.threads)
    from ganforge.runs.experiment import load_run

    work = Path(tempfile.mkdtemp(prefix="ganforge-colour-"))
    try:
        train_dir, test_dir = write_folder(TRAIN, work / "train"), write_folder(TEST, work / "test")
        results, timings = {"grey": grey_baseline(test_dir)}, {}
        for name, adversarial in (("l1", False), ("pix2pix", True)):
            cfg = with_sets(config(train_dir, adversarial, args), "colorize", args.set)
            per_step = seconds_per_step(cfg, work / f"{name}-time")
            share = args.pretrain_fraction if adversarial else 0.0
            pretrain = int(args.budget_min * 60 * share / timings["l1"]["s_per_step"]) if share else 0
            steps = max(1, int(args.budget_min * 60 * (1 - share) / per_step))
            print(f"{name}: {per_step:.3f} s per step: {pretrain} L1 + {steps} steps", flush=True)
            seconds = train_stages(cfg, "colorize", work / name, pretrain, steps)
            timings[name] = {"s_per_step": per_step, "pretrain_steps": pretrain, "steps": steps,
                             "train_seconds": seconds}
            gan, _ = load_run(work / name, map_location=args.device)
            results[name] = score(gan, test_dir, args.device)
        keys = ("psnr", "colourfulness", "colourfulness_ratio")
        print(f"\ncolourisation of {', '.join(TEST)} (trained on {', '.join(TRAIN)})")
        print(f"{'method':<10}" + "".join(f"{k:>22}" for k in keys))
        for method, r in results.items():
            print(f"{method:<10}" + "".join(f"{r['values'].get(k, float('nan')):>22.4f}" for k in keys))
        l1, gan_values = results["l1"]["values"], results["pix2pix"]["values"]
        checks = {"pix2pix_colourfulness_ratio": gan_values["colourfulness_ratio"],
                  "ratio_gain_over_l1": gan_values["colourfulness_ratio"] - l1["colourfulness_ratio"],
                  "psnr_drop_db": l1["psnr"] - gan_values["psnr"]}
        print("targets: pix2pix ratio >= 0.8 and >= L1's + 0.2, colour PSNR within 1.5 dB of L1's")
        print("  " + ", ".join(f"{k}={v:.3f}" for k, v in checks.items()))
        picture(results, test_dir, picture_path("colorization", args.tag))
        save_results("colorization", args, timings, checks, results)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
