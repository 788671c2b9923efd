"""GAIN on images: the built-in MNIST subset with random (50% of the pixels) and block (a 14x14 square)
masks, against filling with the mean of the observed pixels and with the mean of each pixel's observed
3x3 neighbours. Prints RMSE on the missing pixels (0..1 scale), writes JSON and a picture per mask
(rows: masked input, GAIN's fill, the truth).

    flock /work/wt/heavy.lock python benchmarks/image_imputation.py --images 1000 --time-limit 50
    python benchmarks/image_imputation.py --device cuda --images 5000 --iterations 4000 --time-limit 0
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, write_result  # noqa: E402

from ganforge.data.builtin import load_mnist  # noqa: E402
from ganforge.impute.images import ImageImputer, block_mask, random_mask  # noqa: E402
from ganforge.io import save_image  # noqa: E402
from ganforge.plots import image_grid, with_caption  # noqa: E402


def neighbour_fill(images: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each missing pixel: the mean of the observed pixels around it, widening 3x3 -> 5x5 ... until some are."""
    x = torch.from_numpy(images.astype(np.float32))[:, None]
    m = torch.from_numpy(~mask).float()[:, None]
    out = x.clone()
    todo = torch.from_numpy(mask)[:, None].clone()
    for k in (3, 5, 9, 15, 29):
        s = F.avg_pool2d(x * m, k, 1, k // 2, count_include_pad=False)
        c = F.avg_pool2d(m, k, 1, k // 2, count_include_pad=False)
        ok = todo & (c > 0)
        out[ok] = (s / c.clamp(min=1e-9))[ok]
        todo &= ~ok
    out[todo] = x[m.bool()].mean()
    return out[:, 0].numpy()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--images", type=int, default=1000)
    p.add_argument("--iterations", type=int, default=2000)
    p.add_argument("--time-limit", type=float, default=50, help="seconds per fit (0: no limit)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "image_imputation.json"))
    args = p.parse_args(argv)
    images = load_mnist(args.images).data.numpy()[:, 0]
    truth = images / 255.0
    rows = []
    for name, mask in [("random 50%", random_mask(images.shape, 0.5)), ("block 14x14", block_mask(images.shape, 14))]:
        start = time.perf_counter()
        imp = ImageImputer(n_iter=args.iterations, time_limit=args.time_limit or None, device=args.device)
        filled = imp.fit_transform(images, mask)
        seconds = time.perf_counter() - start
        rmse = lambda f: float(np.sqrt(np.mean((f - truth)[mask] ** 2)))  # noqa: E731
        row = {"mask": name, "gain": rmse(filled / 255.0), "mean": rmse(np.full_like(truth, truth[~mask].mean())),
               "neighbours": rmse(neighbour_fill(truth, mask)), "seconds": seconds,
               "iterations": imp.training_["iterations"]}
        print(row, flush=True)
        rows.append(row)
        grid = np.concatenate([np.where(mask, 0.5, truth)[:8], filled[:8] / 255.0, truth[:8]])
        tiles = np.round(grid * 255).astype(np.uint8)[..., None]
        save_image(Path(args.out).with_name(f"image_imputation_{name.split()[0]}.png"),
                   with_caption(image_grid(tiles, nrow=8), f"{name}: masked (grey) / GAIN / truth"))
    write_result({"benchmark": "image_imputation", "machine": machine(), "args": vars(args), "rows": rows}, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
