"""Does GAN augmentation make a small classifier better with little or imbalanced data?

Three parts, on the built-in 5,000-image MNIST subset (500 per class), printed as tables and
written to ``benchmarks/results/augmentation.json``:

1. **conditional**: cGAN, AC-GAN and projection GANs trained on the whole subset; conditional
   accuracy (the shipped digits classifier's agreement with the requested label) and the
   per-class digits-FD (intra-FD) of 500 samples per class against that class's 500 images.
2. **few-shot**: 10 training images per class (100), tested on the other 4,900. A small CNN is
   trained (a) on the 100 real images, (b) with classical augmentation (random shifts,
   rotations, scaling and elastic warps, torch ops), (c) with DAGAN variations of the 100
   images, (d) with conditional-GAN samples, (e) with (b) and (c). Both GANs see only the 100
   images. A supplement follows DAGAN's own protocol: a DAGAN trained on all images of the
   digits 0-4 augments a 5-way few-shot task on the digits 5-9, which it never saw.
3. **imbalance**: three classes (drawn per seed) cut to 2% of their training images (8 of 400);
   the other seven keep 400; tested on 100 held-out images per class. Compared: no
   re-balancing, class-weighted loss, random oversampling, SMOTE (imbalanced-learn) and
   ganforge's re-balancing (``ganforge augment --balance``) with a conditional GAN and with
   DAGAN. Reported: the minority classes' mean F1 and the balanced accuracy.
4. **handover** (``--parts handover``): what ``ganforge augment`` hands over by default -- its held-out
   check and sample filter on, each GAN trained for ``--gan-budget`` -- on the few-shot (10 per class,
   enlarged to 60) and imbalance set-ups, tested like the rest, next to real only, classical
   augmentation and random oversampling; and each GAN's data with the filter alone (check off, forced).

Every few-shot and imbalance configuration runs with 5 seeds (data split, GAN and classifier
seeded alike) and is reported as mean +- std over seeds. The conditional-quality part trains one
run per GAN kind (seed 0). Run from the repository root::

    # the GANs as users run them (the mnist-* presets), one part per results file, 2 cores:
    python benchmarks/augmentation.py --presets --threads 2 --parts conditional \
        --out benchmarks/results/augmentation_conditional_presets.json   # about 6 min
    python benchmarks/augmentation.py --presets --threads 2 --parts imbalance \
        --out benchmarks/results/augmentation_presets.json               # about 35 min
    python benchmarks/augmentation.py --presets --threads 2 --parts fewshot \
        --out benchmarks/results/augmentation_fewshot_presets.json       # about 40 min
    python benchmarks/augmentation.py                        # reduced GAN budgets (width 32, fp32, 400-1000 steps)
    python benchmarks/augmentation.py --quick                # a smoke test: tiny budgets, 2 seeds
    # what `ganforge augment` hands over by default (held-out check and filter on), 10-minute GANs:
    python benchmarks/augmentation.py --parts handover --threads 2 --gan-budget 10m \
        --out benchmarks/results/augmentation_handover.json     # about 3 h 20 min a seed on 2 cores

SMOTE needs ``pip install imbalanced-learn`` (a benchmark-only dependency).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ganforge.applications.enlarge import rare_class_settings
from ganforge.config import resolve
from ganforge.data import Dataset, load_dataset
from ganforge.runs.experiment import build_gan, config_from
from ganforge.training import Trainer

ROOT = Path(__file__).resolve().parent

# -- budgets ---------------------------------------------------------------------------------------
# GAN steps: conditional-quality runs at batch 64; the few-shot, held-out and imbalance GANs at batch 32.
FULL = {"seeds": 5, "cond_steps": 1000, "fewshot_gan_steps": 400, "heldout_steps": 800, "imb_gan_steps": 600,
        "clf_steps": 500, "clf_steps_imb": 500, "synthetic_per_class": 200}
QUICK = {"seeds": 2, "cond_steps": 10, "fewshot_gan_steps": 10, "heldout_steps": 10, "imb_gan_steps": 10,
         "clf_steps": 10, "clf_steps_imb": 10, "synthetic_per_class": 10}
GAN_WIDTH = 32  # DCGAN base width of every GAN here (64 is the presets' default; 32 is 3x faster on a CPU)


# -- the classifier ------------------------------------------------------------------------------
class SmallCNN(nn.Module):
    """conv3x3(32)-pool-conv3x3(64)-pool-fc(128)-dropout-fc(classes) for 28x28 grey digits."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3))
        self.head = nn.Linear(128, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def to_float(x: torch.Tensor) -> torch.Tensor:
    return x.float() / 127.5 - 1.0 if x.dtype == torch.uint8 else x.float()


def train_classifier(x: torch.Tensor, y: torch.Tensor, *, classes: int, steps: int, seed: int,
                     synthetic: tuple[torch.Tensor, torch.Tensor] | None = None, synthetic_fraction: float = 0.5,
                     augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
                     class_weights: torch.Tensor | None = None, batch: int = 64) -> SmallCNN:
    """Adam for ``steps`` steps on batches of real images, or real and synthetic ones mixed at
    ``synthetic_fraction`` of each batch; ``augment`` transforms every batch (real and synthetic)."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = SmallCNN(classes)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    x, n_syn = to_float(x), 0
    if synthetic is not None:
        xs, ys = to_float(synthetic[0]), synthetic[1]
        n_syn = round(batch * synthetic_fraction)
    for _ in range(steps):
        i = torch.randint(len(x), (batch - n_syn,), generator=g)
        xb, yb = x[i], y[i]
        if n_syn:
            j = torch.randint(len(xs), (n_syn,), generator=g)
            xb, yb = torch.cat([xb, xs[j]]), torch.cat([yb, ys[j]])
        if augment is not None:
            xb = augment(xb, g)
        loss = F.cross_entropy(model(xb), yb, weight=class_weights)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return model.eval()


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return torch.cat([model(to_float(c)).argmax(1) for c in x.split(1000)])


# -- classical augmentation (torch only) -----------------------------------------------------------
def _gaussian_kernel(sigma: float) -> torch.Tensor:
    r = max(1, math.ceil(3 * sigma))
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-t**2 / (2 * sigma**2))
    return k / k.sum()


def classical_augment(x: torch.Tensor, g: torch.Generator, *, max_shift: float = 2.0, max_rotate: float = 15.0,
                      scale: float = 0.1, elastic_alpha: float = 1.5, elastic_sigma: float = 3.0) -> torch.Tensor:
    """Random rotation (+-15 deg), scaling (+-10%), shift (+-2 px) and an elastic warp (Simard et al. 2003:
    a random displacement field smoothed by a Gaussian of ``elastic_sigma`` px, scaled to about
    ``elastic_alpha`` px), in one ``grid_sample``; images in [-1, 1], background -1."""
    n, _, h, w = x.shape
    u = lambda *s: torch.rand(*s, generator=g) * 2 - 1  # noqa: E731
    angle = u(n) * math.radians(max_rotate)
    s = 1 + u(n) * scale
    shift = u(n, 2) * max_shift * 2 / torch.tensor([w, h])
    cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, (n, 1, h, w), align_corners=False)
    k = _gaussian_kernel(elastic_sigma)
    field = u(n, 2, h, w)
    field = F.conv2d(F.pad(field, (len(k) // 2,) * 4, mode="reflect").reshape(n * 2, 1, h + len(k) - 1, -1),
                     k.view(1, 1, 1, -1))
    field = F.conv2d(field, k.view(1, 1, -1, 1)).reshape(n, 2, h, w)
    field = field / field.flatten(1).std(1).clamp_min(1e-6)[:, None, None, None] * elastic_alpha
    grid = grid + field.permute(0, 2, 3, 1) * 2 / torch.tensor([w, h])
    out = F.grid_sample(x + 1, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return out - 1


# -- GANs through ganforge's Python API ----------------------------------------------------------
def train_gan(preset: str, images: torch.Tensor, labels: torch.Tensor, *, steps: int | None, seed: int,
              overrides: dict[str, Any] | list[dict[str, Any]] | None = None, as_preset: bool = False) -> Any:
    """A GAN from ``preset`` (plus ``overrides``, one dict or a list) trained on labelled uint8 images, in memory.

    Budget settings (``GAN_WIDTH``, ``steps``, fp32) replace the preset's unless ``as_preset``.
    """
    budget = {} if as_preset else {"model": {"width": GAN_WIDTH}, "train": {"steps": steps, "precision": "fp32"}}
    extra = overrides if isinstance(overrides, list) else [overrides or {}]
    cfg = config_from(preset, [budget, {"train": {"seed": seed, "progress": False, "tensorboard": False}}, *extra])
    ds = Dataset(images, "benchmark", labels).with_labels(partners=cfg.gan.kind == "dagan")
    torch.manual_seed(seed)
    gan = build_gan(cfg, ds.sample_shape, None if cfg.gan.kind == "dagan" else int(labels.max()) + 1)
    Trainer(gan, ds, cfg.train).fit()
    return gan.cpu()


def cgan_samples(gan: Any, per_class: list[int], seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    from ganforge.data import to_uint8_images

    labels = torch.cat([torch.full((m,), c) for c, m in enumerate(per_class)]).long()
    x = gan.sample(len(labels), labels=labels, generator=torch.Generator().manual_seed(seed))
    return to_uint8_images(x), labels


def dagan_samples(gan: Any, images: torch.Tensor, labels: torch.Tensor, per_class: list[int],
                  seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``per_class[c]`` variations of class c's images, each image used in turn (as ``ganforge augment``)."""
    from ganforge.applications.enlarge import LabelledImages, synthesize

    data = LabelledImages(images, labels, [str(c) for c in range(len(per_class))], [], {})
    x, y, _ = synthesize(gan, data, per_class, seed=seed)
    return x, y


# -- statistics ----------------------------------------------------------------------------------
def mean_std(values: list[float]) -> dict[str, Any]:
    a = np.asarray(values, dtype=np.float64)
    return {"mean": float(a.mean()), "std": float(a.std(ddof=1)) if len(a) > 1 else 0.0, "values": a.tolist()}


def fmt(ms: dict[str, Any], scale: float = 100.0) -> str:
    return f"{ms['mean'] * scale:5.1f} ± {ms['std'] * scale:4.1f}"


def f1_per_class(pred: np.ndarray, y: np.ndarray, classes: int) -> np.ndarray:
    from sklearn.metrics import f1_score

    return f1_score(y, pred, labels=list(range(classes)), average=None, zero_division=0)


# -- part 1: conditional quality -------------------------------------------------------------------
def part_conditional(budget: dict[str, int], log: Callable[[str], None]) -> dict[str, Any]:
    from ganforge.metrics.conditional import conditional_scores

    mnist = load_dataset("mnist")
    out: dict[str, Any] = {}
    for kind in ("cgan", "acgan", "projection"):
        t = time.time()
        gan = train_gan(f"mnist-{kind}", mnist.data, mnist.labels, steps=budget["cond_steps"], seed=0,
                        as_preset=budget["as_presets"])
        scores = conditional_scores(gan, mnist.data, mnist.labels, n_per_class=500, seed=0, extractor="digits")
        scores["train_seconds"] = time.time() - t
        out[kind] = scores
        log(f"  {kind}: cond_acc {scores['cond_acc']:.3f}, intra-FD {scores['intra_fd']:.1f} ({time.time() - t:.0f} s)")
    return out


# -- part 2: few-shot ------------------------------------------------------------------------------
def split_per_class(labels: torch.Tensor, k: int, seed: int, classes: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """``k`` random indices of each class in ``classes`` and all the other indices of those classes."""
    g = torch.Generator().manual_seed(seed)
    train, test = [], []
    for c in classes:
        idx = torch.nonzero(labels == c).flatten()
        idx = idx[torch.randperm(len(idx), generator=g)]
        train.append(idx[:k])
        test.append(idx[k:])
    return torch.cat(train), torch.cat(test)


def part_fewshot(budget: dict[str, int], log: Callable[[str], None]) -> dict[str, Any]:
    mnist = load_dataset("mnist")
    x_all, y_all = mnist.data, mnist.labels
    per = budget["synthetic_per_class"]
    steps = budget["clf_steps"]
    results: dict[str, list[float]] = {k: [] for k in ("a", "b", "c", "d", "e")}
    heldout: dict[str, list[float]] = {k: [] for k in ("a", "b", "c", "e")}
    fidelity: dict[str, list[float]] = {"class_agreement": [], "pixel_change": []}
    # DAGAN trained once on every image of the digits 0-4, for the held-out-class supplement.
    seen = torch.nonzero(y_all < 5).flatten()
    t = time.time()
    as_preset = budget["as_presets"]
    small = {} if as_preset else {"train": {"batch_size": 32}}
    dagan_seen = train_gan("mnist-dagan", x_all[seen], y_all[seen], steps=budget["heldout_steps"], seed=0,
                           overrides=small, as_preset=as_preset)
    log(f"  DAGAN on digits 0-4 trained ({time.time() - t:.0f} s)")
    for seed in range(budget["seeds"]):
        t = time.time()
        tr, te = split_per_class(y_all, 10, seed, list(range(10)))
        x, y, xt, yt = x_all[tr], y_all[tr], x_all[te], y_all[te]

        def acc(model: nn.Module) -> float:
            return float((predict(model, xt) == yt).float().mean())

        results["a"].append(acc(train_classifier(x, y, classes=10, steps=steps, seed=seed)))
        results["b"].append(acc(train_classifier(x, y, classes=10, steps=steps, seed=seed, augment=classical_augment)))
        # Both GANs as `ganforge augment` trains them; the cGAN with D augmentation for 10 images per class.
        dagan = train_gan("mnist-dagan", x, y, steps=budget["fewshot_gan_steps"], seed=seed,
                          overrides=[small, rare_class_settings("dagan")], as_preset=as_preset)
        syn_dagan = dagan_samples(dagan, x, y, [per] * 10, seed)
        results["c"].append(acc(train_classifier(x, y, classes=10, steps=steps, seed=seed, synthetic=syn_dagan)))
        results["e"].append(acc(train_classifier(x, y, classes=10, steps=steps, seed=seed, synthetic=syn_dagan,
                                                 augment=classical_augment)))
        cgan = train_gan("mnist-projection", x, y, steps=budget["fewshot_gan_steps"], seed=seed,
                         overrides=[small, rare_class_settings("cgan"), {"gan": {"augment": "translation,cutout"}}],
                         as_preset=as_preset)
        syn_cgan = cgan_samples(cgan, [per] * 10, seed)
        results["d"].append(acc(train_classifier(x, y, classes=10, steps=steps, seed=seed, synthetic=syn_cgan)))

        # Held-out classes: 5-way, digits 5-9, 10 images each; the DAGAN never saw these digits.
        tr5, te5 = split_per_class(y_all, 10, seed, list(range(5, 10)))
        x5, y5, xt5, yt5 = x_all[tr5], y_all[tr5] - 5, x_all[te5], y_all[te5] - 5

        def acc5(model: nn.Module) -> float:
            return float((predict(model, xt5) == yt5).float().mean())

        syn5 = dagan_samples(dagan_seen, x5, y5, [per] * 5, seed)
        heldout["a"].append(acc5(train_classifier(x5, y5, classes=5, steps=steps, seed=seed)))
        heldout["b"].append(acc5(train_classifier(x5, y5, classes=5, steps=steps, seed=seed,
                                                  augment=classical_augment)))
        heldout["c"].append(acc5(train_classifier(x5, y5, classes=5, steps=steps, seed=seed, synthetic=syn5)))
        heldout["e"].append(acc5(train_classifier(x5, y5, classes=5, steps=steps, seed=seed, synthetic=syn5,
                                                  augment=classical_augment)))
        fid = dagan_fidelity(dagan_seen, x5, y5 + 5, seed)
        for k, v in fid.items():
            fidelity[k].append(v)
        log(f"  seed {seed}: " + ", ".join(f"({k}) {v[-1]:.3f}" for k, v in results.items())
            + " | held-out: " + ", ".join(f"({k}) {v[-1]:.3f}" for k, v in heldout.items())
            + f" | agreement {fid['class_agreement']:.3f} ({time.time() - t:.0f} s)")
    return {"accuracy": {k: mean_std(v) for k, v in results.items()},
            "heldout_accuracy": {k: mean_std(v) for k, v in heldout.items()},
            "heldout_dagan_fidelity": {k: mean_std(v) for k, v in fidelity.items()}}


@torch.no_grad()
def dagan_fidelity(gan: Any, x: torch.Tensor, y: torch.Tensor, seed: int, k: int = 10) -> dict[str, float]:
    """How often the digits classifier gives a variation its source's class, and how much it changes
    the image (mean absolute pixel difference in [0, 1] units, vs. the source)."""
    var = gan.augment(x, k, generator=torch.Generator().manual_seed(seed)).flatten(0, 1)
    agree = class_agreement(var, y.repeat_interleave(k))
    change = float((var - to_float(x).repeat_interleave(k, 0)).abs().mean() / 2)
    return {"class_agreement": agree, "pixel_change": change}


# -- part 3: imbalance -----------------------------------------------------------------------------
def part_imbalance(budget: dict[str, int], log: Callable[[str], None]) -> dict[str, Any]:
    mnist = load_dataset("mnist")
    x_all, y_all = mnist.data, mnist.labels
    steps = budget["clf_steps_imb"]
    methods = ("none", "class_weights", "oversampling", "smote", "ganforge_cgan", "ganforge_dagan")
    f1: dict[str, list[float]] = {m: [] for m in methods}
    bacc: dict[str, list[float]] = {m: [] for m in methods}
    agreement: dict[str, list[float]] = {m: [] for m in methods if m.startswith("ganforge")}
    minorities = []
    for seed in range(budget["seeds"]):
        t = time.time()
        g = torch.Generator().manual_seed(1000 + seed)
        minority = sorted(torch.randperm(10, generator=g)[:3].tolist())
        minorities.append(minority)
        tr_idx, te_idx = split_per_class(y_all, 400, seed, list(range(10)))
        keep = []
        for c in range(10):
            idx = tr_idx[y_all[tr_idx] == c]
            keep.append(idx[: max(1, round(0.02 * len(idx)))] if c in minority else idx)
        tr_idx = torch.cat(keep)
        x, y, xt, yt = x_all[tr_idx], y_all[tr_idx], x_all[te_idx], y_all[te_idx]
        counts = torch.bincount(y, minlength=10)
        top = int(counts.max())
        additions = [top - int(n) for n in counts]

        def score(method: str, model: nn.Module) -> None:
            pred = predict(model, xt).numpy()
            per_class = f1_per_class(pred, yt.numpy(), 10)
            f1[method].append(float(per_class[minority].mean()))
            recall = [float((pred[yt.numpy() == c] == c).mean()) for c in range(10)]
            bacc[method].append(float(np.mean(recall)))

        score("none", train_classifier(x, y, classes=10, steps=steps, seed=seed))
        weights = (len(y) / (10 * counts.float()))
        score("class_weights", train_classifier(x, y, classes=10, steps=steps, seed=seed, class_weights=weights))
        over = torch.cat([torch.nonzero(y == c).flatten()[torch.randint(int(counts[c]), (additions[c],), generator=g)]
                          for c in range(10)])
        score("oversampling", train_classifier(torch.cat([x, x[over]]), torch.cat([y, y[over]]), classes=10,
                                               steps=steps, seed=seed))
        xs, ys = smote(x, y, seed)
        score("smote", train_classifier(xs, ys, classes=10, steps=steps, seed=seed))
        as_preset = budget["as_presets"]
        small = {} if as_preset else {"train": {"batch_size": 32}}
        # Trained as `ganforge augment` trains them: balanced batches (and mode seeking for the cGAN).
        cgan = train_gan("mnist-projection", x, y, steps=budget["imb_gan_steps"], seed=seed,
                         overrides=[small, rare_class_settings("cgan")], as_preset=as_preset)
        sx, sy = cgan_samples(cgan, additions, seed)
        agreement["ganforge_cgan"].append(class_agreement(sx, sy))
        score("ganforge_cgan", train_classifier(torch.cat([x, sx]), torch.cat([y, sy]), classes=10, steps=steps,
                                                seed=seed))
        dagan = train_gan("mnist-dagan", x, y, steps=budget["imb_gan_steps"], seed=seed,
                          overrides=[small, rare_class_settings("dagan")], as_preset=as_preset)
        dx, dy = dagan_samples(dagan, x, y, additions, seed)
        agreement["ganforge_dagan"].append(class_agreement(dx, dy))
        score("ganforge_dagan", train_classifier(torch.cat([x, dx]), torch.cat([y, dy]), classes=10, steps=steps,
                                                 seed=seed))
        log(f"  seed {seed} (minority {minority}): " + ", ".join(f"{m} {f1[m][-1]:.3f}" for m in methods)
            + f" ({time.time() - t:.0f} s)")
    return {"minority_f1": {m: mean_std(v) for m, v in f1.items()},
            "balanced_accuracy": {m: mean_std(v) for m, v in bacc.items()}, "minority_classes": minorities,
            "synthetic_class_agreement": {m: mean_std(v) for m, v in agreement.items()}}


def class_agreement(images: torch.Tensor, labels: torch.Tensor) -> float:
    """The registry's ``cond_acc``: how often the shipped digits classifier reads images as the class they were made for."""
    from ganforge.metrics import get_metric

    return get_metric("cond_acc")(to_float(images), labels, extractor="digits")["values"]["cond_acc"]


def smote(x: torch.Tensor, y: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """imbalanced-learn's SMOTE on flattened pixels (k = 5 neighbours), back to uint8 images."""
    from imblearn.over_sampling import SMOTE

    flat = x.reshape(len(x), -1).numpy().astype(np.float32)
    xs, ys = SMOTE(k_neighbors=5, random_state=seed).fit_resample(flat, y.numpy())
    images = torch.from_numpy(np.clip(np.rint(xs), 0, 255).astype(np.uint8)).reshape(-1, *x.shape[1:])
    return images, torch.from_numpy(ys).long()


# -- part 4: what `ganforge augment` hands over ------------------------------------------------------
def handed_over(x: torch.Tensor, y: torch.Tensor, method: str, seed: int, *, per_class: int | None,
                gan_budget: str, device: str, gate: bool, work: Path,
                tag: str) -> tuple[torch.Tensor, torch.Tensor, dict]:
    """Run :func:`ganforge.applications.enlarge.augment` as a user would (gate and filter on by default;
    ``gate=False``: the filter alone, the GAN's data forced) and return the data set it writes."""
    from ganforge.applications.enlarge import augment

    name = f"{tag}-{method}-{seed}-{'gate' if gate else 'filter'}"
    src = work / f"in-{name}.npz"
    np.savez(src, images=x.numpy(), labels=y.numpy())
    out = work / f"out-{name}"
    overrides = [{"train": {"time_budget": gan_budget, "device": device, "tensorboard": False, "progress": False}}]
    summary = augment(src, out, method=method, per_class=per_class, balance=per_class is None, seed=seed,
                      train_out=str(work / f"run-{name}"), overrides=overrides,
                      validation=0.2 if gate else 0.0, force=not gate, fmt="npz", progress=None)
    with np.load(out / "data.npz") as npz:
        return torch.from_numpy(npz["images"]), torch.from_numpy(npz["labels"]).long(), summary


def part_handover(budget: dict[str, Any], log: Callable[[str], None]) -> dict[str, Any]:
    """Few-shot (10 per class, enlarged to 60) and imbalance (3 classes at 2%, balanced): the test score of
    what `ganforge augment` hands over by default, next to the baselines a user would otherwise use, and
    the GANs' data with the filter alone (gate off)."""
    import tempfile

    mnist = load_dataset("mnist")
    x_all, y_all = mnist.data, mnist.labels
    steps = budget["clf_steps"]
    rows: dict[str, dict[str, list[float]]] = {"fewshot": {}, "imbalance": {}}
    choices: dict[str, dict[str, list[str]]] = {"fewshot": {}, "imbalance": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for seed in range(budget["seeds"]):
            for setup in ("fewshot", "imbalance"):
                t = time.time()
                if setup == "fewshot":
                    tr, te = split_per_class(y_all, 10, seed, list(range(10)))
                    minority, per_class = list(range(10)), 60
                else:
                    g = torch.Generator().manual_seed(1000 + seed)
                    minority = sorted(torch.randperm(10, generator=g)[:3].tolist())
                    tr, te = split_per_class(y_all, 400, seed, list(range(10)))
                    tr = torch.cat([tr[y_all[tr] == c][: 8 if c in minority else 400] for c in range(10)])
                    per_class = None
                x, y, xt, yt = x_all[tr], y_all[tr], x_all[te], y_all[te]

                def score(name: str, images: torch.Tensor, labels: torch.Tensor, **kw: Any) -> None:
                    model = train_classifier(images, labels, classes=10, steps=steps, seed=seed, **kw)
                    pred = predict(model, xt).numpy()
                    value = (float((pred == yt.numpy()).mean()) if setup == "fewshot"
                             else float(f1_per_class(pred, yt.numpy(), 10)[minority].mean()))
                    rows[setup].setdefault(name, []).append(value)

                counts = torch.bincount(y, minlength=10)
                target = per_class or int(counts.max())
                adds = [max(0, target - int(n)) for n in counts]
                score("real only", x, y)
                score("classical augmentation", x, y, augment=classical_augment)
                over = torch.cat([torch.nonzero(y == c).flatten()[torch.arange(m) % int(counts[c])]
                                  for c, m in enumerate(adds) if m])
                score("random oversampling", torch.cat([x, x[over]]), torch.cat([y, y[over]]))
                for method in ("cgan", "dagan"):
                    for gate in (True, False):
                        xs, ys, summary = handed_over(x, y, method, seed, per_class=per_class, device=budget["device"],
                                                      gan_budget=budget["gan_budget"], gate=gate, work=work, tag=setup)
                        name = f"augment --method {method}" + ("" if gate else " --validation 0 --force")
                        score(name, xs, ys)
                        if gate:
                            choices[setup].setdefault(method, []).append(summary.get("handed_over", method))
                log(f"  {setup} seed {seed}: " + ", ".join(f"{k} {v[-1]:.3f}" for k, v in rows[setup].items())
                    + f" ({time.time() - t:.0f} s)")
    return {"score": {s: {k: mean_std(v) for k, v in r.items()} for s, r in rows.items()},
            "metric": {"fewshot": "accuracy", "imbalance": "minority F1"}, "handed_over": choices,
            "gan_budget": budget["gan_budget"]}


# -- main ------------------------------------------------------------------------------------------
FEWSHOT_ROWS = [("a", "(a) real images only"), ("b", "(b) classical augmentation"), ("c", "(c) DAGAN augmentation"),
                ("d", "(d) conditional-GAN samples"), ("e", "(e) classical + DAGAN")]
IMB_ROWS = [("none", "no re-balancing"), ("class_weights", "class weights"), ("oversampling", "random oversampling"),
            ("smote", "SMOTE (imbalanced-learn)"), ("ganforge_cgan", "ganforge augment, cGAN (projection)"),
            ("ganforge_dagan", "ganforge augment, DAGAN")]


def print_handover(res: dict[str, Any], seeds: int) -> None:
    ho = res["handover"]
    for setup, title in (("fewshot", "Few-shot MNIST (10 per class, enlarged to 60), accuracy %"),
                         ("imbalance", "Imbalanced MNIST (3 classes at 8 images, balanced), minority F1 %")):
        print(f"\nWhat `ganforge augment` hands over, GAN budget {ho['gan_budget']}: {title}, {seeds} seeds")
        for name, ms in ho["score"][setup].items():
            print(f"{name:<46} {fmt(ms)}")
        for method, chosen in ho["handed_over"][setup].items():
            print(f"  --method {method} handed over: {', '.join(chosen)}")


def print_tables(res: dict[str, Any], seeds: int) -> None:
    if "handover" in res:
        print_handover(res, seeds)
    if "conditional" in res:
        print("\nConditional GANs on the MNIST subset (1 run each, 500 samples per class; digits classifier)")
        print(f"{'kind':<12} {'cond. acc. %':>12} {'intra-FD':>9}   intra-FD per class 0..9")
        for kind, s in res["conditional"].items():
            per = " ".join(f"{s['intra_fd_per_class'][str(c)]:.0f}" for c in range(10))
            print(f"{kind:<12} {100 * s['cond_acc']:>12.1f} {s['intra_fd']:>9.1f}   {per}")
    if "fewshot" in res:
        fs = res["fewshot"]
        print(f"\nFew-shot MNIST: 10 images per class, tested on the other 4,900; "
              f"accuracy %, mean ± std of {seeds} seeds")
        for key, name in FEWSHOT_ROWS:
            print(f"{name:<34} {fmt(fs['accuracy'][key])}")
        print(f"\nHeld-out classes: DAGAN trained on digits 0-4 only; 5-way few-shot on digits 5-9 "
              f"(10 images each); accuracy %, {seeds} seeds")
        for key, name in FEWSHOT_ROWS:
            if key in fs["heldout_accuracy"]:
                print(f"{name:<34} {fmt(fs['heldout_accuracy'][key])}")
        fid = fs["heldout_dagan_fidelity"]
        print(f"DAGAN variations of unseen digits keep their class (digits classifier): "
              f"{fmt(fid['class_agreement'])} %; mean pixel change {fmt(fid['pixel_change'])} %")
    if "imbalance" in res:
        im = res["imbalance"]
        print(f"\nImbalanced MNIST: 3 classes cut to 2% (8 of 400 training images); {seeds} seeds, mean ± std")
        print(f"{'method':<38} {'minority F1 %':>14} {'balanced acc. %':>16}")
        for key, name in IMB_ROWS:
            print(f"{name:<38} {fmt(im['minority_f1'][key]):>14} {fmt(im['balanced_accuracy'][key]):>16}")
        for key, ms in im.get("synthetic_class_agreement", {}).items():
            print(f"{key}: synthetic minority samples read as their class (digits classifier) {fmt(ms)} %")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny budgets and 2 seeds (a smoke test, numbers meaningless)")
    p.add_argument("--parts", default="conditional,fewshot,imbalance")
    p.add_argument("--seeds", type=int, default=None)
    p.add_argument("--out", default=str(ROOT / "results" / "augmentation.json"))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--gan-budget", default="10m",
                   help="handover part: each GAN's train.time_budget, as a user would set it (default 10m)")
    p.add_argument("--device", default="cpu", help="handover part: the GANs' device (cpu, cuda)")
    p.add_argument("--presets", action="store_true",
                   help="train the mnist-* presets as they are (their steps, width, batch and precision) "
                        "instead of the reduced budgets")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    budget = dict(QUICK if args.quick else FULL)
    if args.seeds:
        budget["seeds"] = args.seeds
    budget["as_presets"] = args.presets
    budget["gan_budget"] = "5s" if args.quick else args.gan_budget
    budget["device"] = args.device
    resolve({})  # the config schema imports cleanly
    t0 = time.time()

    def log(msg: str) -> None:
        print(f"[{time.time() - t0:6.0f} s] {msg}", flush=True)

    res: dict[str, Any] = {}
    for part, fn in (("conditional", part_conditional), ("fewshot", part_fewshot), ("imbalance", part_imbalance),
                     ("handover", part_handover)):
        if part in args.parts.split(","):
            log(f"{part} ...")
            res[part] = fn(budget, log)
    elapsed = time.time() - t0
    print_tables(res, budget["seeds"])
    print(f"\n{elapsed / 60:.1f} min on {platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} thread(s)")
    record = {"benchmark": "augmentation", "quick": args.quick, "budget": budget,
              "gan_width": "as in the presets" if args.presets else GAN_WIDTH,
              "seconds": elapsed, "torch": torch.__version__, "python": platform.python_version(),
              "machine": platform.machine(), "threads": torch.get_num_threads(), "argv": sys.argv, **res}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
