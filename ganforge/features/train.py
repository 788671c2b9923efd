"""Feature extractors trained on your own data (``ganforge features train DATA --out extractor.pt``).

When no shipped extractor suits a data set (the digits CNNs know handwritten digits; Inception-v3
knows photographs and needs its weights), train a small one on the data itself:

* **with labels** (an array file's labels, class sub-folders, or ``--labels FILE``): a CNN
  classifier (cross-entropy, light shift/scale augmentation). Its features are the penultimate
  layer and its logits are over the data's own classes, so ``cond_acc`` can use it too;
* **without labels**: the same CNN trained self-supervised with a SimCLR-style contrastive loss
  (NT-Xent, Chen et al. 2020): two random views of each image (shift and scale, horizontal flip,
  brightness and contrast, noise) must be nearer to each other than to the batch's other images.

The network takes images as every extractor does -- ``(N, C, H, W)`` in [-1, 1], any size, grey or
RGB -- converts them to the channels it was trained on (RGB -> grey by luma, grey -> RGB by repeat)
and resizes them (bilinear, antialiased) to its input size inside itself, and returns
``(features, logits)`` (logits None without labels). :func:`save_extractor` writes it as TorchScript
with a ``ganforge.json`` extra file: kind, feature dimension, input size, classes and what it was
trained on. Its features are comparable only with features of the same file (the extractor's name
carries a fingerprint of its weights). Training stops after ``steps`` or ``time_budget`` seconds,
whichever comes first; the defaults take about a minute on a laptop's CPU.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any, Callable, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.errors import ConfigError, DataError

__all__ = ["OwnCNN", "augment_views", "check_output", "nt_xent", "save_extractor", "train_extractor"]

WIDTHS = (16, 32, 64)
FEATURE_DIM = 128


class OwnCNN(nn.Module):
    """conv(3x3)+BN+ReLU+maxpool stages, a linear feature layer and, with classes, a linear classifier.

    ``forward(x)`` takes images ``(N, C, H, W)`` in [-1, 1] of any size and channels and returns
    ``(features, logits)``; logits are None when ``n_classes`` is 0.
    """

    def __init__(self, channels: int = 1, size: int = 32, n_classes: int = 0,
                 widths: tuple[int, ...] = WIDTHS, feature_dim: int = FEATURE_DIM) -> None:
        super().__init__()
        if size % (2 ** len(widths)):
            raise ValueError(f"size must be a multiple of {2 ** len(widths)}; got {size}")
        layers: list[nn.Module] = []
        c = channels
        for w in widths:
            layers += [nn.Conv2d(c, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True),
                       nn.MaxPool2d(2)]
            c = w
        self.body = nn.Sequential(*layers)
        self.feature = nn.Linear(c * (size >> len(widths)) ** 2, feature_dim)
        self.head = nn.Linear(feature_dim, max(n_classes, 1))
        self.channels, self.size, self.n_classes = channels, size, n_classes
        self.register_buffer("luma", torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1))

    def prepare(self, x: Tensor) -> Tensor:
        """Images to this network's channels and size."""
        if x.shape[1] != self.channels:
            x = x.repeat(1, 3, 1, 1) if self.channels == 3 else (x * self.luma).sum(1, keepdim=True)
        if x.shape[-2] != self.size or x.shape[-1] != self.size:
            x = F.interpolate(x, size=[self.size, self.size], mode="bilinear", align_corners=False, antialias=True)
        return x

    def embed(self, x: Tensor) -> Tensor:
        return self.feature(self.body(self.prepare(x)).flatten(1))

    def forward(self, x: Tensor) -> Tuple[Tensor, Optional[Tensor]]:
        f = self.embed(x)
        if self.n_classes > 0:
            return f, self.head(F.relu(f))
        return f, None


def augment_views(x: Tensor, generator: torch.Generator, flip: bool = True, strength: float = 1.0) -> Tensor:
    """A random view of each image (in [-1, 1]): shift and scale, flip, brightness/contrast and noise."""
    n = x.shape[0]

    def uniform(lo: float, hi: float, *shape: int) -> Tensor:
        return lo + (hi - lo) * torch.rand(n, *shape, generator=generator)

    scale = 1 - 0.25 * strength * torch.rand(n, generator=generator)  # zoom in by up to 25 %
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = scale * (torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0) if flip else 1.0)
    theta[:, 1, 1] = scale
    theta[:, :, 2] = uniform(-0.15, 0.15, 2) * strength
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    v = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    if strength > 0 and flip:  # photometric changes only for the self-supervised views
        v = v * uniform(0.6, 1.4, 1, 1, 1) + uniform(-0.3, 0.3, 1, 1, 1)
        v = v + 0.05 * torch.randn(v.shape, generator=generator)
    return v.clamp(-1, 1)


def nt_xent(z1: Tensor, z2: Tensor, temperature: float = 0.2) -> Tensor:
    """SimCLR's normalised-temperature cross-entropy: each view's partner is its positive, the rest negatives."""
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.T / temperature
    sim.fill_diagonal_(float("-inf"))
    n = len(z1)
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    return F.cross_entropy(sim, target)


def _batch(images: Tensor, index: Tensor) -> Tensor:
    return images[index].float() / 127.5 - 1.0


def train_extractor(images: Tensor, labels: Tensor | None = None, *, steps: int = 400, time_budget: float = 60.0,
                    batch_size: int = 64, size: int = 32, seed: int = 0, lr: float = 1e-3, source: str = "",
                    progress: Callable[[str], None] | None = print, augmentation: float = 0.5,
                    hold_out: bool = True) -> tuple[OwnCNN, dict[str, Any]]:
    """Train an extractor on uint8 ``images`` (N, C, H, W): a classifier of ``labels``, else contrastive.

    Returns the network (eval mode, on the CPU) and its metadata. With labels, a tenth of the images
    (at least 20, when there are 200 or more) is held out and the metadata reports the classifier's
    accuracy on them (``hold_out=False`` trains on all). ``augmentation`` is the strength of the shift and
    scale a classifier's batches get (0: none). ``progress`` receives a line about ten times during training.
    """
    if images.ndim != 4 or images.dtype != torch.uint8:
        raise DataError("features train takes images (uint8 N, C, H, W); for vectors use --features identity")
    for key, value, least in (("steps", steps, 1), ("batch size", batch_size, 2), ("time budget", time_budget, 1e-9)):
        if not value >= least:
            need = "at least 2" if key == "batch size" else "positive"
            raise ConfigError(f"features train: the {key} must be {need}; got {value}")
    n_classes = 0
    if labels is not None:
        n_classes = int(labels.max()) + 1
        if len(torch.unique(labels)) < 2:
            raise DataError("the labels name a single class; a classifier needs at least 2 "
                            "(leave the labels out, or use --self-supervised, for a self-supervised extractor)")
    if len(images) < 2:
        raise DataError(f"features train needs at least 2 images; got {len(images)}")
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    order = torch.randperm(len(images), generator=g)
    n_val = max(20, len(images) // 10) if hold_out and labels is not None and len(images) >= 200 else 0
    val, train = order[:n_val], order[n_val:]
    model = OwnCNN(int(images.shape[1]), size, n_classes)
    project = nn.Sequential(nn.ReLU(), nn.Linear(FEATURE_DIM, FEATURE_DIM), nn.ReLU(), nn.Linear(FEATURE_DIM, 64))
    params = list(model.parameters()) + ([] if n_classes else list(project.parameters()))
    opt = torch.optim.Adam(params, lr=lr)
    objective = "classifier" if n_classes else "contrastive"
    bs = min(batch_size, len(train))
    t0 = time.perf_counter()
    report_every = max(1, steps // 10)
    step, loss_avg = 0, math.nan
    model.train()
    while step < steps and time.perf_counter() - t0 < time_budget:
        idx = train[torch.randint(len(train), (bs,), generator=g)]
        x = _batch(images, idx)
        if n_classes:
            _, logits = model(augment_views(x, g, flip=False, strength=augmentation) if augmentation > 0 else x)
            loss = F.cross_entropy(logits, labels[idx])
        else:
            z1 = project(model.embed(augment_views(x, g)))
            z2 = project(model.embed(augment_views(x, g)))
            loss = nt_xent(z1, z2)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        value = loss.item()
        loss_avg = value if math.isnan(loss_avg) else 0.9 * loss_avg + 0.1 * value
        if progress is not None and (step % report_every == 0 or step == steps):
            progress(f"  step {step}/{steps}  {objective} loss {loss_avg:.4f}  {time.perf_counter() - t0:.0f} s")
    if progress is not None and step < steps:
        progress(f"  time budget of {time_budget:g} s reached after {step} steps")
    _recalibrate_batch_norm(model, images[train])
    model.eval().requires_grad_(False)
    meta: dict[str, Any] = {
        "format": 1, "kind": objective, "feature_dim": FEATURE_DIM, "input_size": [int(images.shape[1]), size, size],
        "channels": int(images.shape[1]), "n_classes": n_classes, "trained_on": source,
        "n_images": int(len(images)), "sample_shape": list(images.shape[1:]), "steps": step, "seed": seed,
        "seconds": round(time.perf_counter() - t0, 1), "loss": round(loss_avg, 5)}
    if n_val:
        with torch.no_grad():
            pred = torch.cat([model(_batch(images, i))[1].argmax(1) for i in val.split(500)])
        meta["val_accuracy"] = round(float((pred == labels[val]).float().mean()), 4)
        meta["val_n"] = n_val
    return model, meta


@torch.no_grad()
def _recalibrate_batch_norm(model: OwnCNN, images: Tensor, n: int = 2000) -> None:
    """Batch-norm statistics as the average over (up to ``n``) training images, not a short run's EMA."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average
    model.train()
    for chunk in images[:n].split(250):
        model(_batch(chunk, torch.arange(len(chunk))))


def save_extractor(model: OwnCNN, meta: dict[str, Any], path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``model`` as TorchScript with ``meta`` (atomically). A file ganforge did not write is refused
    unless ``overwrite``."""
    from ganforge import __version__
    from ganforge.features import METADATA_FILE
    from ganforge.io import atomic_write

    path = check_output(path, overwrite=overwrite)
    scripted = torch.jit.script(model.cpu().eval())
    extra = {METADATA_FILE: json.dumps({**meta, "ganforge_version": __version__}, sort_keys=True)}
    atomic_write(path, lambda f: torch.jit.save(scripted, f, _extra_files=extra))
    return path


def check_output(path: str | Path, *, overwrite: bool = False, inputs: Sequence[Any] = ()) -> Path:
    """``path`` as a Path; OutputError when it exists and is not an extractor ganforge wrote (unless ``overwrite``),
    or is one of the ``inputs``."""
    from ganforge import io

    return io.check_output(path, overwrite=overwrite, own=_is_own_extractor, inputs=inputs,
                           what="an extractor")


def _is_own_extractor(path: Path) -> bool:
    import zipfile

    if not path.is_file() or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as z:
        return any(name.endswith("extra/ganforge.json") for name in z.namelist())
