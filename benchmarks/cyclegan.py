"""Unpaired translation with a known answer: does CycleGAN restyle digits and keep what they are?

Built offline and deterministically from the built-in 5,000-image MNIST subset:

* **domain A**: plain MNIST digits (grey, thin white strokes on black), from one half of the subset;
* **domain B**: the digits of the *other* half, rendered in another style: strokes thickened
  (3x3 maximum filter), inverted (dark ink on light paper), the ink coloured dark blue and the
  paper a warm diagonal-stripe texture whose angle, period and phase come from the image's index.

No A image has its B twin anywhere, so the translator must learn the style, not pairs. Each half
is split into training images and held-out ones. CycleGAN (``gan.kind=cyclegan`` through
``ganforge.runs.experiment.train``, the way a user trains it) learns A <-> B on the training images;
its A -> B translations of the **held-out A** images are scored by

* **label preservation**: the share of translations that a digits classifier trained here on
  domain-B images (``ganforge.features.train.train_extractor``, labels of the B half) gives the
  label of their source digit;
* **FID to B**: Frechet distance between the classifier's features (its 128-d penultimate layer)
  of the translations and of held-out real B images.

The same two numbers are given for the identity map (A as it is) and for classical per-channel
histogram matching of every A image to the pooled B histogram, as a user would otherwise try; and,
as the scale's ends, real held-out B images themselves. Targets (issue 14): label preservation
>= 90%, FID <= 0.5x the identity's, both better than histogram matching; mean +- std over seeds.

Run from the repository root::

    # 3 seeds of up to 6,000 steps or 3 minutes each on a GPU: about 10 minutes in all
    python benchmarks/cyclegan.py --device cuda --time-budget 3m --threads 8 --out benchmarks/results/cyclegan_cuda.json
    # 3 seeds on 2 CPU cores, 20 minutes each (about 65 minutes in all)
    python benchmarks/cyclegan.py --threads 2 --time-budget 20m
    python benchmarks/cyclegan.py --quick     # a smoke test: 30 steps, 1 seed (about a minute)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, write_result  # noqa: E402

from ganforge.data import load_dataset  # noqa: E402
from ganforge.runs.experiment import train  # noqa: E402
from ganforge.features.train import train_extractor  # noqa: E402
from ganforge.io import save_picture  # noqa: E402
from ganforge.metrics.unpaired import unpaired_scores  # noqa: E402

ROOT = Path(__file__).resolve().parent
INK = np.array([20, 30, 110], dtype=np.float32)  # dark blue
PAPER = (np.array([250, 215, 140], dtype=np.float32), np.array([225, 150, 90], dtype=np.float32))  # two warm tones


# -- the task ----------------------------------------------------------------------------------------
def render_b(digits: torch.Tensor, first_index: int = 0) -> torch.Tensor:
    """Domain B's style for grey uint8 digits (N, 1, 28, 28): thick, inverted, blue ink on striped warm paper.

    Deterministic: image ``i``'s stripes come from a generator seeded with ``first_index + i``.
    """
    x = digits.float() / 255
    ink = F.max_pool2d(x, 3, stride=1, padding=1)  # thicker strokes
    n, _, h, w = x.shape
    yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    out = torch.empty(n, 3, h, w)
    for i in range(n):
        g = torch.Generator().manual_seed(first_index + i)
        angle, period, phase = torch.rand(3, generator=g).tolist()
        angle, period, phase = angle * np.pi, 5 + 4 * period, phase * 2 * np.pi
        stripes = 0.5 + 0.5 * torch.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period + phase)
        paper = torch.from_numpy(PAPER[0])[:, None, None] * stripes + torch.from_numpy(PAPER[1])[:, None, None] * (1 - stripes)
        out[i] = torch.from_numpy(INK)[:, None, None] * ink[i] + paper * (1 - ink[i])
    return out.round().clamp(0, 255).to(torch.uint8)


def make_task(n_train: int, n_test: int) -> dict[str, Any]:
    """Disjoint halves of the MNIST subset (a fixed permutation): A train/test (grey), B train/test (styled)."""
    mnist = load_dataset("mnist")
    order = torch.randperm(len(mnist.data), generator=torch.Generator().manual_seed(0))
    half = len(order) // 2
    if n_train + n_test > half:
        raise SystemExit(f"--n-train + --n-test must be at most {half}")
    a_idx, b_idx = order[:half], order[half:]
    pick = lambda idx, lo, hi: (mnist.data[idx[lo:hi]], mnist.labels[idx[lo:hi]])  # noqa: E731
    a_train, ya_train = pick(a_idx, 0, n_train)
    a_test, ya_test = pick(a_idx, n_train, n_train + n_test)
    b_train, yb_train = pick(b_idx, 0, n_train)
    b_test, yb_test = pick(b_idx, n_train, n_train + n_test)
    return {"a_train": a_train, "a_test": a_test, "ya_test": ya_test,
            "b_train": render_b(b_train, half), "yb_train": yb_train,
            "b_test": render_b(b_test, half + n_train), "yb_test": yb_test}


# -- the baselines ------------------------------------------------------------------------------------
def histogram_matching(images: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Each image's channels mapped so that their histograms match the pooled histogram of ``reference``
    (uint8 (N, 3, H, W)), as scikit-image's ``match_histograms`` does for one image (grey A made RGB)."""
    x = images.repeat(1, 3 // images.shape[1], 1, 1).numpy()
    ref = reference.numpy()
    out = np.empty_like(x)
    for c in range(3):
        ref_values, ref_counts = np.unique(ref[:, c], return_counts=True)
        ref_quantiles = np.cumsum(ref_counts) / ref_counts.sum()
        for i in range(len(x)):
            values, inverse, counts = np.unique(x[i, c], return_inverse=True, return_counts=True)
            quantiles = np.cumsum(counts) / counts.sum()
            out[i, c] = np.interp(quantiles, ref_quantiles, ref_values)[inverse].reshape(x.shape[2:]).round()
    return torch.from_numpy(out.astype(np.uint8))


# -- one seed -------------------------------------------------------------------------------------------
def train_cyclegan(task: dict[str, Any], folder: Path, seed: int, args: argparse.Namespace) -> tuple[Any, float]:
    np.savez(folder / "a.npz", images=task["a_train"].numpy())
    np.savez(folder / "b.npz", images=task["b_train"].numpy())
    config = {
        "name": f"cyclegan-digits-{seed}",
        "data": {"source": "", "a": str(folder / "a.npz"), "b": str(folder / "b.npz")},
        "model": {"width": args.width},
        "gan": {"kind": "cyclegan", "loss": "least_squares"},
        "cyclegan": {"crop": 28, "flip": False, "blocks": args.blocks, "receptive_field": 34},
        "train": {"steps": args.steps, "time_budget": args.time_budget, "batch_size": args.batch_size,
                  "lr_g": 2e-4, "lr_d": 2e-4, "lr_schedule": "linear", "lr_hold": 0.5, "seed": seed,
                  "device": args.device, "precision": "fp32", "log_every": 100, "sample_every": 1000,
                  "checkpoint_every": 100000, "progress": False, "tensorboard": False},
    }
    t0 = time.perf_counter()
    trainer = train(config, out=folder / f"run{seed}")
    return trainer, time.perf_counter() - t0


@torch.no_grad()
def translate(gan: Any, images: torch.Tensor) -> torch.Tensor:
    """Held-out A images (uint8 grey) through G: A -> B, as ``ganforge translate`` computes, in uint8."""
    x = images.repeat(1, 3, 1, 1).float() / 127.5 - 1
    y = gan.sample(len(x), images=x, direction="AtoB", batch_size=250).cpu()
    return ((y.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def score(name: str, images: torch.Tensor, task: dict[str, Any], classifier: Any, device: str) -> dict[str, float]:
    out = unpaired_scores(images, task["b_test"], source_labels=task["ya_test"], classifier=classifier,
                          extractor=classifier, device=device)
    return {"label_preservation": out["label_preservation"], "fid_to_b": out["fid"]}


def mean_std(values: list[float]) -> str:
    return f"{np.mean(values):.3f} +- {np.std(values):.3f}" if len(values) > 1 else f"{values[0]:.3f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cpu", help="cpu or cuda (training and scoring)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=6000, help="CycleGAN steps per seed (at most)")
    p.add_argument("--time-budget", default="20m", help="training time per seed (train.time_budget)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--width", type=int, default=16, help="base width of the generators and discriminators")
    p.add_argument("--blocks", type=int, default=6, help="residual blocks per generator (6 or 9)")
    p.add_argument("--n-train", type=int, default=1500, help="training images per domain")
    p.add_argument("--n-test", type=int, default=1000, help="held-out images per domain")
    p.add_argument("--classifier-steps", type=int, default=1500)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--quick", action="store_true", help="smoke test: 30 steps, 1 seed, small sets")
    p.add_argument("--out", default=str(ROOT / "results" / "cyclegan.json"))
    args = p.parse_args()
    if args.quick:
        args.seeds, args.steps, args.n_train, args.n_test, args.classifier_steps = [0], 30, 300, 200, 200
        args.out = str(ROOT / "results" / "cyclegan_quick.json")
    if args.threads:
        torch.set_num_threads(args.threads)

    t0 = time.perf_counter()
    task = make_task(args.n_train, args.n_test)
    classifier, meta = train_extractor(task["b_train"], task["yb_train"], steps=args.classifier_steps,
                                       time_budget=600, seed=0, source="MNIST half B, styled", progress=None)
    print(f"domain-B classifier: {meta['steps']} steps, held-out accuracy {meta.get('val_accuracy')}")
    rows: dict[str, list[dict[str, float]]] = {}
    fixed = {"real B (held out)": task["b_test"], "identity": task["a_test"].repeat(1, 3, 1, 1),
             "histogram matching": histogram_matching(task["a_test"], task["b_train"])}
    for name, images in fixed.items():
        if name == "real B (held out)":  # the scale's good end: real B test images, labels of B
            out = unpaired_scores(images, task["b_train"], source_labels=task["yb_test"], classifier=classifier,
                                  extractor=classifier, device=args.device)
            rows[name] = [{"label_preservation": out["label_preservation"], "fid_to_b": out["fid"]}]
        else:
            rows[name] = [score(name, images, task, classifier, args.device)]
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            trainer, seconds = train_cyclegan(task, Path(tmp), seed, args)
            translated = translate(trainer.gan, task["a_test"])
            result = score("cyclegan", translated, task, classifier, args.device)
            runs.append({"seed": seed, "steps": trainer.step, "seconds": round(seconds, 1), **result})
            rows.setdefault("cyclegan", []).append(result)
            print(f"seed {seed}: {trainer.step} steps in {seconds:.0f} s, label preservation "
                  f"{result['label_preservation']:.3f}, FID to B {result['fid_to_b']:.2f}")
            if seed == args.seeds[0]:
                show = torch.stack([task["a_test"][:12].repeat(1, 3, 1, 1), translated[:12],
                                    fixed["histogram matching"][:12]], 1).flatten(0, 1)
                picture = Path(args.out).with_suffix(".png")
                save_picture(picture, show.float() / 127.5 - 1, caption="A | CycleGAN A->B | histogram matching",
                             columns=3)
    identity_fid = rows["identity"][0]["fid_to_b"]
    summary = {}
    print(f"\n{'method':<20} {'label preservation':>20} {'FID to B':>20} {'FID / identity':>15}")
    for name, results in rows.items():
        lp = [r["label_preservation"] for r in results]
        fid = [r["fid_to_b"] for r in results]
        ratio = [f / identity_fid for f in fid]
        summary[name] = {"label_preservation_mean": float(np.mean(lp)), "label_preservation_std": float(np.std(lp)),
                         "fid_to_b_mean": float(np.mean(fid)), "fid_to_b_std": float(np.std(fid)),
                         "fid_over_identity": float(np.mean(ratio)), "n": len(results)}
        print(f"{name:<20} {mean_std(lp):>20} {mean_std(fid):>20} {np.mean(ratio):>15.3f}")
    cg, hm = summary.get("cyclegan"), summary["histogram matching"]
    if cg:
        targets = {"label_preservation_at_least_0.9": cg["label_preservation_mean"] >= 0.9,
                   "fid_at_most_half_identity": cg["fid_over_identity"] <= 0.5,
                   "better_than_histogram_matching": cg["label_preservation_mean"] > hm["label_preservation_mean"]
                   and cg["fid_to_b_mean"] < hm["fid_to_b_mean"]}
        print("targets:", ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in targets.items()))
    else:
        targets = {}
    device = torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu"
    write_result({"benchmark": "cyclegan", "args": vars(args), "classifier": meta, "summary": summary,
                  "runs": runs, "targets": targets, "device": device, "machine": machine(),
                  "seconds": round(time.perf_counter() - t0, 1)}, args.out)


if __name__ == "__main__":
    main()
