"""Super-resolution x4 on offline photos: bicubic vs SRResNet vs SRGAN vs ESRGAN-lite.

Train on random crops of scikit-image's and scikit-learn's colour photos (``TRAIN`` in
``image2image_common.py``), test on whole held-out ones (``TEST``): Y-PSNR and Y-SSIM (border crop 4),
high-frequency energy ratio (output / original; bicubic and SRResNet are blurry, far below 1) and
time per output megapixel. SRResNet is the ``srgan`` run after its reconstruction stage; SRGAN is
the same run after the adversarial stage; ESRGAN-lite is an ``esrgan`` run (3 RRDB blocks,
relativistic D) with the same two stages. Each model gets ``--budget-min`` minutes of training
(``--pretrain-fraction`` of it reconstruction), turned into steps by timing a few steps first;
``--models srgan`` skips ESRGAN-lite.

What the adversarial target costs, measured from SRResNet's outputs (``bounds``): SRResNet with its
high band amplified until the HF ratio is 0.8 (the gain set on the test images: an oracle, the
cheapest way to that ratio), and the PSNR drop a posterior sampler blended with SRResNet would pay
at HF 0.8, 1 and at SRGAN's measured ratio (which checks the model against SRGAN's real drop).
Writes ``benchmarks/results/super_resolution[_TAG].json`` and ``docs/super_resolution.png`` (a tagged
run: ``benchmarks/results/super_resolution_TAG.png``)::

    python benchmarks/super_resolution.py --budget-min 20 --threads 2      # the CPU run (about 50 min)
    python benchmarks/super_resolution.py --device cuda --budget-min 10     # on a GPU
    python benchmarks/super_resolution.py --budget-min 0.5 --tag quick      # a smoke test (a few minutes)
    python benchmarks/super_resolution.py --budget-min 20 --threads 2 --models srgan --tag bounds   # 20 min
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
from image2image_common import TEST, TRAIN, parser, picture_path, save_results, score, seconds_per_step, train_stages, with_sets, write_folder  # noqa: E402


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


def high_band(x: torch.Tensor, cutoff: float = 0.25) -> torch.Tensor:
    """The part of float images ``(..., H, W)`` above ``cutoff`` x Nyquist (radially): the band that
    ``hf_ratio`` counts and that x4 down-sampling removes."""
    from ganforge.metrics.translation import high_band_mask

    h, w = x.shape[-2:]
    return torch.fft.irfft2(torch.fft.rfft2(x.double()) * high_band_mask(h, w, cutoff), s=(h, w))


def sharpened(pred: torch.Tensor, target: torch.Tensor, ratio: float = 0.8) -> tuple[torch.Tensor, float]:
    """``pred`` (uint8 ``(1, 3, H, W)``) with its high band amplified until its HF ratio to ``target`` is
    ``ratio`` (the gain found by bisection on the target itself: an oracle, a bound, not a method)."""
    from ganforge.metrics import get_metric

    x = pred.double()
    band = high_band(x)

    def out(gain: float) -> torch.Tensor:
        return (x + (gain - 1) * band).round().clamp(0, 255).to(torch.uint8)

    low, high = 1.0, 64.0
    for _ in range(40):
        mid = (low + high) / 2
        if get_metric("hf_ratio")(out(mid), target)["values"]["hf_ratio"] < ratio:
            low = mid
        else:
            high = mid
    return out(high), high


def sampler_drop_db(pred: torch.Tensor, target: torch.Tensor, ratio: float, border: int = 4) -> dict[str, float]:
    """The PSNR-Y a posterior sampler blended with ``pred`` would lose to reach HF ratio ``ratio``.

    If ``pred`` is the minimum-mean-square-error estimate, a posterior sample ``s`` differs from it in
    the lost band by as much as the truth does (``E|s-pred|^2`` = the band's error ``e``) and
    ``pred + t (s - pred)`` has HF ratio ``r0 + t^2 (1 - r0)``, at the cost of ``t^2 e`` more squared
    error: ``t^2 = (ratio - r0) / (1 - r0)`` (Blau & Michaeli 2018: a perfect sampler, ratio 1, costs twice
    the band's error). Returns the drop in dB, the band's share of the error and ``r0``."""
    from ganforge.metrics import get_metric
    from ganforge.metrics.translation import luma

    r0 = get_metric("hf_ratio")(pred, target)["values"]["hf_ratio"]
    error = (luma(pred) - luma(target))[0, 0, border:-border, border:-border]
    mse, band = float((error ** 2).mean()), float((high_band(error) ** 2).mean())
    extra = max(0.0, ratio - r0) / max(1e-12, 1 - r0) * band
    return {"drop_db": 10 * np.log10(1 + extra / mse), "band_share": band / mse, "r0": r0}


def bounds(results: dict, targets: list) -> dict:
    """SRResNet sharpened to HF 0.8 (a measured row) and the sampler model's PSNR drops at HF 0.8, 1 and
    at SRGAN's measured ratio (checks its fit), averaged over the test images."""
    from ganforge.metrics import get_metric

    outputs, sums = [], {}
    for pred, target in zip(results["srresnet"]["outputs"], targets):
        out, gain = sharpened(pred[None], target[None])
        outputs.append(out[0])
        values = {"gain": gain}
        for name in ("psnr_y", "ssim_y", "hf_ratio"):
            values.update(get_metric(name)(out, target[None], **({"crop_border": 4} if name.endswith("_y") else {}))["values"])
        for label, ratio in (("0.8", 0.8), ("1.0", 1.0), ("srgan", results["srgan"]["values"]["hf_ratio"])):
            fit = sampler_drop_db(pred[None], target[None], ratio)
            values[f"sampler_drop_db_at_{label}"] = fit["drop_db"]
        values["band_share_of_error"] = fit["band_share"]
        for k, v in values.items():
            sums[k] = sums.get(k, 0.0) + v
    return {"values": {k: v / len(targets) for k, v in sums.items()}, "outputs": outputs}


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
    p.add_argument("--models", default="srgan,esrgan", help="adversarial models to train (srgan gives SRResNet too)")
    args = p.parse_args()
    models = args.models.split(",")
    if "srgan" not in models or not set(models) <= {"srgan", "esrgan"}:
        p.error(f"--models: a list of srgan and esrgan that includes srgan (it gives SRResNet); got {args.models!r}")
    if args.threads:
        torch.set_num_threads(args.threads)
    from ganforge.runs.experiment import load_run

    work = Path(tempfile.mkdtemp(prefix="ganforge-sr-"))
    try:
        train_dir, test_dir = write_folder(TRAIN, work / "train"), write_folder(TEST, work / "test")
        results = {"bicubic": bicubic(test_dir)}
        targets = results["bicubic"].pop("targets")
        budget, timings = args.budget_min * 60, {}
        for kind in models:
            cfg = with_sets(config(kind, train_dir, args), kind, args.set)
            recon = seconds_per_step(cfg, work / f"{kind}-time-recon")
            adv = seconds_per_step({**cfg, kind: {**cfg[kind], "pretrain_steps": 1}}, work / f"{kind}-time-adv")
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
        results["srresnet_sharpened"] = bounds(results, targets)
        order = ["bicubic", "srresnet", "srgan", "esrgan", "srresnet_sharpened"]
        results = {k: results[k] for k in order if k in results}
        keys = ("psnr_y", "ssim_y", "hf_ratio", "s_per_megapixel")
        print(f"\nx4 super-resolution on {', '.join(TEST)} (trained on {', '.join(TRAIN)})")
        print(f"{'method':<10}" + "".join(f"{k:>17}" for k in keys))
        for method, r in results.items():
            print(f"{method:<10}" + "".join(f"{r['values'].get(k, float('nan')):>17.4f}" for k in keys))
        base, srres = results["bicubic"]["values"], results["srresnet"]["values"]
        checks = {"srresnet_gain_db": srres["psnr_y"] - base["psnr_y"],
                  **{f"{m}_hf_ratio": results[m]["values"]["hf_ratio"] for m in models},
                  **{f"{m}_psnr_drop_db": srres["psnr_y"] - results[m]["values"]["psnr_y"] for m in models}}
        sharp = results["srresnet_sharpened"]["values"]
        bound = {"sharpened_psnr_drop_db": srres["psnr_y"] - sharp["psnr_y"],
                 **{k: sharp[k] for k in sharp if k.startswith("sampler_drop") or k == "band_share_of_error"}}
        print("targets: SRResNet >= bicubic + 0.7 dB; SRGAN/ESRGAN HF ratio in [0.8, 1.2], within 1.5 dB of SRResNet")
        print("  " + ", ".join(f"{k}={v:.3f}" for k, v in checks.items()))
        print("what the target asks, from SRResNet: sharpened to HF 0.8 (oracle) and a posterior sampler's drop")
        print("  " + ", ".join(f"{k}={v:.3f}" for k, v in bound.items()))
        checks["bounds"] = bound
        picture({k: v for k, v in results.items()}, targets, picture_path("super_resolution", args.tag))
        save_results("super_resolution", args, timings, checks, results, scale=4)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
