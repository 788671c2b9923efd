"""Train the spoken-digit classifier that ganforge ships as the ``spoken_digits`` feature extractor.

Reproduces ``ganforge/features/weights/spoken_digits.safetensors`` from the training split of the
spoken-digits set (2,000 clips, 40 voices; ``spoken_digits_16k.npz``, found as
:func:`ganforge.data.shared.shared_file` finds it). Adam for a fixed number of epochs, with random
time shifts of up to 0.1 s as augmentation; no model selection on the test split.
Its accuracy on the 500 clips of the 10 held-out voices is printed and stored in the file's metadata.
The weights are stored in float16 (about 50 KB); one CPU thread and fixed seeds.

Run from the repository root (a few minutes on one CPU core)::

    python scripts/train_spoken_digits_classifier.py [--out PATH] [--epochs 30]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from ganforge.audio.data import load_spoken_digits
from ganforge.features.speech import WEIGHTS, SpokenDigitsCNN, speech_features

SEED, BATCH, LR, WIDTHS = 0, 64, 2e-3, [16, 32, 64]


def augment(feats: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Random circular time shifts of up to 10 frames (0.1 s; the clips are words padded with silence). The
    features do not depend on the level (the loudest value is subtracted), so gains need no augmenting."""
    n, frames = len(feats), feats.shape[-1]
    shift = torch.randint(-10, 11, (n,), generator=g)
    index = (torch.arange(frames)[None, :] - shift[:, None]) % frames
    return feats.gather(-1, index[:, None, None, :].expand_as(feats))


def accuracy(model: SpokenDigitsCNN, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(c)[1].argmax(1) for c in x.split(250)])
    return float((pred == y).float().mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path("ganforge/features/weights") / WEIGHTS))
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    train, test = load_spoken_digits("train"), load_spoken_digits("test")
    with torch.no_grad():
        train_x = torch.cat([speech_features(c) for c in train.data.split(250)])
        test_x = torch.cat([speech_features(c) for c in test.data.split(250)])
    model = SpokenDigitsCNN(WIDTHS)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.epochs)
    g = torch.Generator().manual_seed(SEED)
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(train), generator=g)
        total = 0.0
        for i in range(0, len(order), BATCH):
            idx = order[i:i + BATCH]
            x = augment(train_x[idx], g)
            loss = F.cross_entropy(model(x)[1], train.labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        print(f"epoch {epoch + 1:3d}  loss {total / len(train):.4f}  ({time.time() - start:.0f} s)", flush=True)
    train_acc, test_acc = accuracy(model, train_x, train.labels), accuracy(model, test_x, test.labels)
    print(f"accuracy: train {train_acc:.4f}, held-out voices {test_acc:.4f}")
    from safetensors.torch import save_file

    meta = {"architecture": json.dumps({"widths": WIDTHS}), "train_accuracy": f"{train_acc:.4f}",
            "test_accuracy": f"{test_acc:.4f}", "epochs": str(args.epochs),
            "data": "spoken_digits_16k.npz, training split (2,000 clips, 40 voices); test = 10 held-out voices"}
    state = {k: v.detach().half().contiguous() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    save_file(state, args.out, metadata=meta)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
