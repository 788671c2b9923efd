"""Convert the shared 5,000-digit MNIST subset to the package asset.

Reads ``mnist_5k.csv.gz`` (each row: 784 pixel values 0-255, row-major 28x28,
then the label 0-9) and writes ``ganforge/data/assets/mnist_5k.npz`` with keys
``images`` (uint8, (5000, 28, 28)) and ``labels`` (uint8, (5000,)).

Usage: python scripts/vendor_mnist.py [SOURCE_CSV_GZ] [DEST_NPZ]
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SRC = ROOT.parent / "shared" / "data" / "mnist_5k.csv.gz"
DEFAULT_DST = ROOT / "ganforge" / "data" / "assets" / "mnist_5k.npz"


def convert(src: Path, dst: Path) -> None:
    with gzip.open(src, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.int64, ndmin=2)
    if table.shape[1] != 785:
        raise SystemExit(f"{src}: expected 785 columns per row, got {table.shape[1]}")
    pixels, labels = table[:, :784], table[:, 784]
    if pixels.min() < 0 or pixels.max() > 255:
        raise SystemExit(f"{src}: pixel values outside 0..255")
    if labels.min() < 0 or labels.max() > 9:
        raise SystemExit(f"{src}: labels outside 0..9")
    images = pixels.astype(np.uint8).reshape(-1, 28, 28)
    dst.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(dst, images=images, labels=labels.astype(np.uint8))
    counts = np.bincount(labels, minlength=10).tolist()
    print(f"wrote {dst} ({dst.stat().st_size / 1e6:.2f} MB): {len(images)} images, per class {counts}")


if __name__ == "__main__":
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SRC
    dst = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_DST
    convert(src, dst)
