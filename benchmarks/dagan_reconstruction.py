"""DAGAN's reconstruction term (``dagan.reconstruction``), on digits it never saw and few-shot (issue 18, point 4).

``--task heldout`` (default): a DAGAN is trained once per weight on every MNIST image of the digits 0-4 (the
held-out-class protocol of ``benchmarks/augmentation.py --parts fewshot``: 800 steps of batch 32, width 32)
and varies 10 images of each digit 5-9. ``--task fewshot``: per seed, a DAGAN is trained on the 10 images
of each digit 0-9 it then varies (400 steps, with the settings ``ganforge augment`` adds). ``--task
transfer``: a DAGAN is trained once per weight on another data set, scikit-learn's 1,797 8x8 digits
(scaled to 20x20 and centred in 28x28, as MNIST frames its digits; 800 steps), and varies the 10 MNIST
images of each digit 0-9 of the few-shot task: pre-trained on many images of another source, applied to
few of this one. Then

* the shipped MNIST classifier says how often a variation is still its source's digit (class agreement)
  and how much it changed (mean absolute pixel change, 0..1);
* the benchmark's small CNN is trained on the real images (a), with classical augmentation (b), with
  200 DAGAN variations per class (c), and with both (e), and tested on the rest of those digits.

    python benchmarks/dagan_reconstruction.py --weights 0,1,5 --seeds 3                  # ~17 min, 2 CPU cores
    python benchmarks/dagan_reconstruction.py --task fewshot --weights 0,5 --seeds 3     # ~14 min
    python benchmarks/dagan_reconstruction.py --task transfer --weights 0,5 --seeds 3    # ~12 min

``--picture PNG`` writes, per weight, one image of each class (first split) followed by 7 variations.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from augmentation import (FULL, classical_augment, dagan_fidelity, dagan_samples, fmt, mean_std, predict,  # noqa: E402
                          split_per_class, train_classifier, train_gan)
from common import machine, write_result  # noqa: E402

from ganforge.applications.enlarge import rare_class_settings  # noqa: E402


def picture_panel(gan, x: torch.Tensor, y: torch.Tensor, weight: float, k: int = 7):
    """One source image of each class (uint8) followed by ``k`` of its variations, captioned."""
    from ganforge.data import to_uint8_images
    from ganforge.plots import image_grid, with_caption

    first = torch.stack([torch.nonzero(y == c).flatten()[0] for c in torch.unique(y)])
    var = to_uint8_images(gan.augment(x[first], k, generator=torch.Generator().manual_seed(0)).flatten(0, 1))
    rows = torch.cat([x[first][:, None], var.reshape(len(first), k, *var.shape[1:])], 1).flatten(0, 1)
    grid = image_grid(rows.permute(0, 2, 3, 1).numpy(), nrow=k + 1)
    return with_caption(grid, f"dagan.reconstruction = {weight:g}: source, then {k} variations")


def mnist_framed_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 8x8 digits framed as MNIST's: scaled to 20x20 (bilinear), centred in 28x28, uint8."""
    from torch.nn import functional as F

    from ganforge.data import load_dataset

    digits = load_dataset("digits")
    x = F.interpolate(digits.data.float(), size=20, mode="bilinear", align_corners=False)
    return F.pad(x, (4, 4, 4, 4)).round().clamp(0, 255).to(torch.uint8), digits.labels


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--task", default="heldout", choices=["heldout", "fewshot", "transfer"])
    p.add_argument("--weights", default="0,1,5", help="values of dagan.reconstruction")
    p.add_argument("--seeds", type=int, default=3, help="few-shot splits 0..N-1")
    p.add_argument("--steps", type=int, default=None,
                   help="DAGAN steps (default: 800 heldout and transfer, 400 fewshot)")
    p.add_argument("--clf-steps", type=int, default=FULL["clf_steps"])
    p.add_argument("--per-class", type=int, default=FULL["synthetic_per_class"])
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--picture", default="", help="write sources and variations of each weight to this PNG")
    p.add_argument("--out", default=str(ROOT / "results" / "dagan_reconstruction.json"))
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from ganforge.data import load_dataset

    mnist = load_dataset("mnist")
    x_all, y_all = mnist.data, mnist.labels
    heldout = args.task == "heldout"
    steps = args.steps or FULL["fewshot_gan_steps" if args.task == "fewshot" else "heldout_steps"]
    digits = list(range(5, 10)) if heldout else list(range(10))
    first = digits[0]
    splits = []
    for seed in range(args.seeds):
        tr, te = split_per_class(y_all, 10, seed, digits)
        splits.append((x_all[tr], y_all[tr] - first, x_all[te], y_all[te] - first))

    def accuracy(model, xt, yt) -> float:
        return float((predict(model, xt) == yt).float().mean())

    def dagan(images, labels, weight: float, seed: int):
        extra = [rare_class_settings("dagan")] if args.task == "fewshot" else []
        return train_gan("mnist-dagan", images, labels, steps=steps, seed=seed,
                         overrides=[{"train": {"batch_size": 32}}, *extra, {"dagan": {"reconstruction": weight}}])

    rows, panels = [], []
    base = {"a": [], "b": []}
    for seed, (x, y, xt, yt) in enumerate(splits):
        base["a"].append(accuracy(train_classifier(x, y, classes=len(digits), steps=args.clf_steps, seed=seed),
                                  xt, yt))
        base["b"].append(accuracy(train_classifier(x, y, classes=len(digits), steps=args.clf_steps, seed=seed,
                                                   augment=classical_augment), xt, yt))
    print(f"(a) real only {fmt(mean_std(base['a']))}, (b) classical {fmt(mean_std(base['b']))}", flush=True)
    seen = torch.nonzero(y_all < 5).flatten()
    pretraining = {"heldout": lambda: (x_all[seen], y_all[seen]), "transfer": mnist_framed_digits}.get(args.task)
    for weight in [float(w) for w in args.weights.split(",")]:
        start = time.perf_counter()
        gan = dagan(*pretraining(), weight, 0) if pretraining else None  # one DAGAN for every split
        got = {"agreement": [], "change": [], "c": [], "e": []}
        for seed, (x, y, xt, yt) in enumerate(splits):
            if pretraining is None:
                gan = dagan(x, y, weight, seed)
            if args.picture and seed == 0:
                panels.append(picture_panel(gan, x, y, weight))
            fidelity = dagan_fidelity(gan, x, y + first, seed)
            got["agreement"].append(fidelity["class_agreement"])
            got["change"].append(fidelity["pixel_change"])
            syn = dagan_samples(gan, x, y, [args.per_class] * len(digits), seed)
            got["c"].append(accuracy(train_classifier(x, y, classes=len(digits), steps=args.clf_steps, seed=seed,
                                                      synthetic=syn), xt, yt))
            got["e"].append(accuracy(train_classifier(x, y, classes=len(digits), steps=args.clf_steps, seed=seed,
                                                      synthetic=syn, augment=classical_augment), xt, yt))
        seconds = time.perf_counter() - start  # the DAGAN(s) and the classifiers of this weight
        row = {"reconstruction": weight, "seconds": round(seconds, 1), "per_seed": got,
               **{k: mean_std(v) for k, v in got.items()}}
        rows.append(row)
        print(f"reconstruction {weight:g}: agreement {row['agreement']['mean']:.3f}, change "
              f"{row['change']['mean']:.3f}, (c) {row['c']['mean']:.3f}, (e) {row['e']['mean']:.3f} "
              f"({seconds:.0f} s)", flush=True)

    print("\n| dagan.reconstruction | class agreement | pixel change | (c) DAGAN | (e) classical + DAGAN |")
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['reconstruction']:g} | " + " | ".join(
            f"{r[k]['mean'] * s:.1f} ± {r[k]['std'] * s:.1f}" if s == 100 else f"{r[k]['mean']:.3f}"
            for k, s in (("agreement", 100), ("change", 1), ("c", 100), ("e", 100))) + " |")
    print(f"(a) real only {100 * mean_std(base['a'])['mean']:.1f}, (b) classical "
          f"{100 * mean_std(base['b'])['mean']:.1f} (test accuracy %, {len(digits)}-way, digits {digits[0]}-{digits[-1]}, "
          "10 images each)")
    if args.picture:
        from PIL import Image

        width = max(im.width for im in panels)
        sheet = Image.new("L", (width, sum(im.height for im in panels)), 255)
        for i, im in enumerate(panels):
            sheet.paste(im, (0, sum(q.height for q in panels[:i])))
        Path(args.picture).parent.mkdir(parents=True, exist_ok=True)
        sheet.save(args.picture)
        print(f"wrote {args.picture} ({sheet.width}x{sheet.height})")
    write_result({"benchmark": "dagan_reconstruction", "machine": machine(), "args": vars(args),
                  "baselines": {k: mean_std(v) for k, v in base.items()},
                  "rows": rows}, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
