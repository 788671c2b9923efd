"""Super-resolution x4 on offline photos: bicubic vs SRResNet vs SRGAN vs ESRGAN-lite.

Train on random crops of scikit-image's and scikit-learn's colour photos (``TRAIN`` in
``image2image_common.py``), test on whole held-out ones (``TEST``): Y-PSNR and Y-SSIM (border crop 4),
high-frequency energy ratio (output / original; bicubic and SRResNet are blurry, far below 1) and
time per output megapixel. SRResNet is the ``srgan`` run after its reconstruction stage; SRGAN is
the same run after the adversarial stage; ESRGAN-lite is an ``esrgan`` run (3 RRDB blocks,
relativistic D) with the same two stages. Each model gets ``--budget-min`` minutes of training
(``--pretrain-fraction`` of it reconstruction), turned into steps by timing a few steps first.
Writes ``benchmarks/results/super_resolution[_TAG].json`` and ``docs/super_resolution.png``::

    python benchmarks/super_resolution.py --budget-min 20 --threads 2      # the CPU run (about 50 min)
    python benchmarks/super_resolution.py --device cuda --budget-min 10     # on a GPU
    python benchmarks/super_resolution.py --budget-min 0.5 --tag quick      # a smoke test (a few minutes)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from image2image_common import TEST, TRAIN, parser, save_results, score, seconds_per_step, train_stages, with_sets, write_folder  # noqa: E402


def config(kind: str, source: Path, args: argparse.Namespace) -> dict:
    section = {"crop": args.crop, "scale": 4, "pretrain_steps": 10 ** 6}
    if kind == "esrgan":
        section.update(blocks=3, growth=16)
    return {"name": kind, "data": {"source": str(source)}, "model": {"width": args.width},
            "gan": {"kind": kind, "loss": "nonsaturating"}, kind: section,
            "train": {"steps": 10, "batch_size": args.batch_size, "lr_g": 2e-4, "lr_d": 2e-4, "ema": 0.99,
                      "device": args.device, "progress": False, "tensorboard": False, "log_every": 50,
                      "sample_every": 500, "checkpoint_every": 10 ** 6, "seed": args.seed}}


def bicubic(folder: Path) -> dict:
    """The baseline a user would otherwise use: Pillow's bicubic enlargement of the bicubic-reduced image."""
    from ganforge.data.degrade import from_pil, to_pil
    from ganforge.data.paired import load_paired
    from ganforge.io import uint8_images
    from ganforge.metrics import get_metric

    data = load_paired(folder, "sr", crop=4, scale=4, repeats=1, flip=False)
    sums, outputs, seconds, pixels = {}, [], 0.0, 0
    for i in range(len(data.targets)):
        low, target = data.pair(i, whole=True)
        truth = uint8_images(target[None])
        t0 = time.perf_counter()
        pred = from_pil(to_pil(uint8_images(low)).resize((truth.shape[-1], truth.shape[-2]), Image.Resampling.BICUBIC))[None]
        seconds += time.perf_counter() - t0
        pixels += truth.shape[-1] * truth.shape[-2]
        outputs.append(pred[0])
        for name in ("psnr_y", "ssim_y", "psnr", "hf_ratio"):
            kw = {"crop_border": 4} if name.endswith("_y") else {}
            for k, v in get_metric(name)(pred, truth, **kw)["values"].items():
                sums[k] = sums.get(k, 0.0) + float(v)
    values = {k: v / len(data.targets) for k, v in sums.items()}
    values["s_per_megapixel"] = seconds / (pixels / 1e6)
    return {"values": values, "outputs": outputs, "targets": [uint8_images(data.pair(i, whole=True)[1][None])[0]
                                                              for i in range(len(data.targets))]}


def picture(results: dict, targets: list, path: Path, size: int = 112) -> None:
    """Crops of each method's output of every test image, side by side with the original."""
    rows = []
    for i, target in enumerate(targets):
        h, w = target.shape[1:]
        top, left = h // 2 - size // 2, w // 2 - size // 2
        cells = [results[m]["outputs"][i] for m in results] + [target]
        rows.append(np.concatenate([np.pad(c[:, top:top + size, left:left + size].permute(1, 2, 0).numpy(),
                                           ((2, 2), (2, 2), (0, 0)), constant_values=255) for c in cells], 1))
    image = Image.fromarray(np.concatenate(rows, 0)).resize((rows[0].shape[1] * 2, len(rows) * rows[0].shape[0] * 2),
                                                            Image.Resampling.NEAREST)
    from ganforge.plots import with_caption

    path.parent.mkdir(parents=True, exist_ok=True)
    with_caption(image, "  |  ".join([*results, "original"])).save(path)
    print(f"wrote {path}")


def main() -> None:
    p = parser(__doc__, crop=96, batch_size=16)
    p.add_argument("--pretrain-fraction", type=float, default=0.5, help="share of the budget for reconstruction")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    from ganforge.runs.experiment import load_run

    work = Path(tempfile.mkdtemp(prefix="ganforge-sr-"))
    try:
        train_dir, test_dir = write_folder(TRAIN, work / "train"), write_folder(TEST, work / "test")
        results = {"bicubic": bicubic(test_dir)}
        targets = results["bicubic"].pop("targets")
        budget, timings = args.budget_min * 60, {}
        for kind in ("srgan", "esrgan"):
            cfg = with_sets(config(kind, train_dir, args), kind, args.set)
            recon = seconds_per_step(cfg, work / f"{kind}-time-recon")
            adv = seconds_per_step({**cfg, kind: {**cfg[kind], "pretrain_steps": 0}}, work / f"{kind}-time-adv")
            pretrain = max(1, int(budget * args.pretrain_fraction / recon))
            adversarial = max(1, int(budget * (1 - args.pretrain_fraction) / adv))
            timings[kind] = {"s_per_reconstruction_step": recon, "s_per_adversarial_step": adv,
                             "pretrain_steps": pretrain, "adversarial_steps": adversarial}
            print(f"{kind}: {recon:.3f} s per reconstruction step, {adv:.3f} s per adversarial step: "
                  f"{pretrain} + {adversarial} steps", flush=True)

            def snapshot(run: Path, kind=kind) -> None:
                if kind == "srgan":
                    gan, _ = load_run(run, map_location=args.device)
                    results["srresnet"] = score(gan, test_dir, args.device)

            seconds = train_stages(cfg, kind, work / kind, pretrain, adversarial, after_pretrain=snapshot)
            timings[kind]["train_seconds"] = seconds
            gan, _ = load_run(work / kind, map_location=args.device)
            results[kind] = score(gan, test_dir, args.device)
        order = ["bicubic", "srresnet", "srgan", "esrgan"]
        results = {k: results[k] for k in order}
        keys = ("psnr_y", "ssim_y", "hf_ratio", "s_per_megapixel")
        print(f"\nx4 super-resolution on {', '.join(TEST)} (trained on {', '.join(TRAIN)})")
        print(f"{'method':<10}" + "".join(f"{k:>17}" for k in keys))
        for method, r in results.items():
            print(f"{method:<10}" + "".join(f"{r['values'][k]:>17.4f}" for k in keys))
        base, srres = results["bicubic"]["values"], results["srresnet"]["values"]
        checks = {"srresnet_gain_db": srres["psnr_y"] - base["psnr_y"],
                  **{f"{m}_hf_ratio": results[m]["values"]["hf_ratio"] for m in ("srgan", "esrgan")},
                  **{f"{m}_psnr_drop_db": srres["psnr_y"] - results[m]["values"]["psnr_y"] for m in ("srgan", "esrgan")}}
        print("targets: SRResNet >= bicubic + 0.7 dB; SRGAN/ESRGAN HF ratio in [0.8, 1.2], within 1.5 dB of SRResNet")
        print("  " + ", ".join(f"{k}={v:.3f}" for k, v in checks.items()))
        root = Path(__file__).resolve().parents[1]
        picture({k: v for k, v in results.items()}, targets, root / "docs" / "super_resolution.png")
        save_results("super_resolution", args, timings, checks, results, scale=4)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
