"""Train the digits classifiers that ganforge ships as feature extractors (``digits28``, ``digits8``).

Reproduces ``ganforge/features/weights/digits{28,8}.safetensors`` from the built-in data sets:

* ``digits28``: the built-in 5,000-image MNIST subset (28x28, 500 per class);
* ``digits8``: scikit-learn's 1,797 8x8 digits.

Each set is split once with a fixed seed into 80% training and 20% held-out images; the classifier
is trained on the training part only (Adam, random shifts of up to 2 px / 1 px as augmentation)
and its held-out accuracy is stored in the weights' metadata and printed. Training runs on one
CPU thread with deterministic algorithms and fixed seeds, so on the same machine and PyTorch
version it reproduces the shipped weights bit for bit (``--check`` verifies that; on other
hardware or PyTorch versions the floating-point order can differ slightly).

Run (from the repository root; about 5 minutes on one CPU core)::

    python scripts/train_digits_classifier.py                 # both, written into the package
    python scripts/train_digits_classifier.py --size 8 --check  # retrain digits8, compare with the shipped file
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ganforge.data.builtin import load_digits, load_mnist
from ganforge.features.digits import DIGITS_CONFIGS, DigitsCNN, load_digits_classifier

SETTINGS = {
    28: {"load": load_mnist, "data": "mnist (built-in 5,000-image subset)", "epochs": 20, "shift": 2},
    8: {"load": load_digits, "data": "digits (scikit-learn, 1,797 images)", "epochs": 60, "shift": 1},
}
SEED, BATCH, LR, VAL_FRACTION = 0, 64, 1e-3, 0.2


def split(n: int, seed: int = SEED) -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed random 80/20 split of ``n`` indices."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_val = int(round(n * VAL_FRACTION))
    return perm[n_val:].sort().values, perm[:n_val].sort().values


def shift(x: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Translate each image by a random whole number of pixels in [-max_shift, max_shift], filling with -1."""
    n, _, h, w = x.shape
    p = max_shift
    padded = F.pad(x, (p, p, p, p), value=-1.0)
    dy = torch.randint(-p, p + 1, (n,), generator=generator)
    dx = torch.randint(-p, p + 1, (n,), generator=generator)
    rows = (torch.arange(h) + p - dy[:, None])[:, :, None]
    cols = (torch.arange(w) + p - dx[:, None])[:, None, :]
    return padded[torch.arange(n)[:, None, None], 0, rows, cols].unsqueeze(1)


@torch.no_grad()
def accuracy(model: DigitsCNN, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    pred = torch.cat([model(chunk)[1].argmax(1) for chunk in x.split(500)])
    return float((pred == y).float().mean())


def train(size: int, epochs: int | None = None) -> tuple[DigitsCNN, dict[str, str]]:
    cfg = SETTINGS[size]
    torch.manual_seed(SEED)
    ds = cfg["load"]()
    x = ds.data.float() / 127.5 - 1.0
    y = ds.labels
    train_idx, val_idx = split(len(x))
    xt, yt, xv, yv = x[train_idx], y[train_idx], x[val_idx], y[val_idx]
    model = DigitsCNN(**DIGITS_CONFIGS[size])
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    epochs = epochs or cfg["epochs"]
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    g = torch.Generator().manual_seed(SEED + 1)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        total = 0.0
        for i in range(0, len(perm), BATCH):
            idx = perm[i:i + BATCH]
            _, logits = model(shift(xt[idx], cfg["shift"], g))
            loss = F.cross_entropy(logits, yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        if epoch % 10 == 9 or epoch == epochs - 1:
            print(f"digits{size} epoch {epoch + 1}/{epochs}: loss {total / len(xt):.4f}, "
                  f"held-out accuracy {accuracy(model, xv, yv):.4f}", file=sys.stderr)
    model.eval()
    meta = {
        "architecture": json.dumps(DIGITS_CONFIGS[size]),
        "data": cfg["data"],
        "train_samples": str(len(xt)),
        "heldout_samples": str(len(xv)),
        "heldout_accuracy": f"{accuracy(model, xv, yv):.4f}",
        "train_accuracy": f"{accuracy(model, xt, yt):.4f}",
        "epochs": str(epochs),
        "seed": str(SEED),
        "trained_by": "scripts/train_digits_classifier.py",
        "torch": torch.__version__,
        "train_seconds": f"{time.perf_counter() - t0:.0f}",
    }
    return model, meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=["28", "8", "all"], default="all")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "ganforge" / "features" / "weights"),
                        help="folder for digits{28,8}.safetensors (default: the package's)")
    parser.add_argument("--check", action="store_true",
                        help="do not write; compare the retrained weights with the shipped ones")
    parser.add_argument("--epochs", type=int, default=None, help="override the number of epochs")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    sizes = [28, 8] if args.size == "all" else [int(args.size)]
    ok = True
    for size in sizes:
        model, meta = train(size, args.epochs)
        print(f"digits{size}: held-out accuracy {meta['heldout_accuracy']} on {meta['heldout_samples']} images, "
              f"train accuracy {meta['train_accuracy']}, {meta['train_seconds']} s")
        state = {k: v.contiguous() for k, v in model.state_dict().items()}
        if args.check:
            shipped, shipped_meta = load_digits_classifier(size)
            diffs = [float((state[k] - v).abs().max()) for k, v in shipped.state_dict().items()]
            same = all(d == 0 for d in diffs)
            ok &= same
            print(f"digits{size}: {'identical to' if same else 'differs from'} the shipped weights "
                  f"(max abs difference {max(diffs):.3g}; shipped held-out accuracy "
                  f"{shipped_meta.get('heldout_accuracy')})")
        else:
            from safetensors.torch import save_file

            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            save_file(state, str(out / f"digits{size}.safetensors"), metadata=meta)
            print(f"wrote {out / f'digits{size}.safetensors'}")
    return 0 if ok else 1


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    sys.exit(main())
