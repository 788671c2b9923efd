"""Shared by ``super_resolution.py`` and ``colorization.py``: the offline photos and their fixed split,
training a ganforge image-to-image run within a time budget, and scoring whole held-out images."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from PIL import Image

#: A fixed split of the colour photos in scikit-image's and scikit-learn's wheels.
TRAIN = ("astronaut", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry", "retina", "sklearn_china")
TEST = ("chelsea", "stereo_motorcycle", "sklearn_flower")


def save_results(benchmark: str, args: Any, timings: dict[str, Any], checks: dict[str, Any],
                 results: dict[str, Any], **extra: Any) -> Path:
    """Write ``benchmarks/results/<benchmark>[_<tag>].json``: the split, the arguments, the device (and GPU),
    the machine, timings, the target checks and each model's values."""
    from common import machine, write_result

    root = Path(__file__).resolve().parents[1]
    gpu = torch.cuda.get_device_name() if args.device.startswith("cuda") else None
    record = {"benchmark": benchmark, **extra, "train": TRAIN, "test": TEST, "args": vars(args), "device": args.device,
              "gpu": gpu, "machine": machine(), "timings": timings, "checks": checks,
              "results": {k: v["values"] for k, v in results.items()}}
    out = root / "benchmarks" / "results" / f"{benchmark}{'_' + args.tag if args.tag else ''}.json"
    write_result(record, out)
    return out


def picture_path(benchmark: str, tag: str) -> Path:
    """Where a run's picture goes: ``docs/<benchmark>.png`` for the untagged run the README shows, beside
    the tagged result file otherwise (a probe must not replace the documented picture)."""
    root = Path(__file__).resolve().parents[1]
    return root / "benchmarks" / "results" / f"{benchmark}_{tag}.png" if tag else root / "docs" / f"{benchmark}.png"


def photo(name: str) -> np.ndarray:
    """uint8 (H, W, 3) photo by name (``sklearn_*``: scikit-learn's sample images)."""
    if name.startswith("sklearn_"):
        from sklearn.datasets import load_sample_image

        return load_sample_image(f"{name[8:]}.jpg")
    import skimage.data

    image = getattr(skimage.data, name)()
    return image[0] if isinstance(image, tuple) else image  # stereo_motorcycle: (left, right, disparity)


def write_folder(names: tuple[str, ...], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        Image.fromarray(photo(name)).save(folder / f"{name}.png")
    return folder


def parser(doc: str, *, crop: int, batch_size: int) -> argparse.ArgumentParser:
    """The arguments both benchmarks take (each adds its own): device, budget, network width and training
    crop, batch, threads, seed, ``--set`` overrides and the result file's tag."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--budget-min", type=float, default=20.0, help="training minutes per model (default 20)")
    p.add_argument("--crop", type=int, default=crop)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--batch-size", type=int, default=batch_size)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="config override for every model, e.g. section.adversarial_weight=0.05 (section: the "
                        "model's own section) or train.lr_g=1e-4 (repeatable)")
    p.add_argument("--tag", default="", help="suffix of the result file (e.g. cuda, quick)")
    return p


def with_sets(config: dict[str, Any], kind: str, sets: list[str]) -> dict[str, Any]:
    """``config`` with ``--set KEY=VALUE`` overrides; ``section.KEY`` names the model's own section
    (``srgan.KEY``, ``esrgan.KEY``, ...), so one flag tunes every model of a benchmark."""
    from ganforge.config import merge, parse_set

    return merge(config, parse_set([f"{kind}.{s[8:]}" if s.startswith("section.") else s for s in sets]))


def seconds_per_step(config: dict[str, Any], tmp: Path, steps: int = 6) -> float:
    """Time of one training step of ``config`` (the median of the last steps of a short throwaway run)."""
    from ganforge.runs.experiment import train
    from ganforge.training import Callback

    stamps: list[float] = []

    class Clock(Callback):
        def on_step_end(self, trainer: Any, step: int) -> None:
            stamps.append(time.perf_counter())

    cfg = {**config, "train": {**config["train"], "steps": steps, "checkpoint_every": 10 ** 6,
                               "sample_every": 10 ** 6}}
    train(cfg, out=tmp, callbacks=[Clock()])
    return float(np.median(np.diff(stamps[1:])))


def train_stages(config: dict[str, Any], kind: str, out: Path, pretrain: int, adversarial: int,
                 after_pretrain: Callable[[Path], None] | None = None) -> float:
    """Train ``pretrain`` reconstruction steps, call ``after_pretrain(run)``, then ``adversarial`` steps by
    resuming the same run (the two-stage schedule is the run's own); returns the seconds spent."""
    from ganforge.runs.experiment import train

    cfg = {**config, kind: {**config.get(kind, {}), "pretrain_steps": pretrain}}
    t0 = time.perf_counter()
    if pretrain:
        train({**cfg, "train": {**cfg["train"], "steps": pretrain}}, out=out)
        if after_pretrain is not None:
            after_pretrain(out)
    if adversarial:
        total = {**cfg, "train": {**cfg["train"], "steps": pretrain + adversarial}}
        train(total, out=out, resume=out if pretrain else None)
    return time.perf_counter() - t0


def score(gan: Any, folder: Path, device: str, tile: int = 256) -> dict[str, Any]:
    """Metrics of a run's translator on whole images of ``folder`` (the run's task), with the time per
    output megapixel; plus the outputs, for pictures."""
    from ganforge.data.paired import load_paired, render
    from ganforge.io import uint8_images
    from ganforge.metrics import get_metric

    data = load_paired(folder, gan.task, crop=gan.scale, scale=gan.scale, repeats=1, flip=False)
    sums: dict[str, float] = {}
    outputs, seconds, pixels = [], 0.0, 0
    border = gan.scale if gan.scale > 1 else 0
    for i in range(len(data.targets)):
        inputs, target = data.pair(i, whole=True, generator=torch.Generator().manual_seed(0))
        inputs = inputs[None]
        t0 = time.perf_counter()
        raw = gan.apply(inputs.to(device), tile=tile)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds += time.perf_counter() - t0
        pred = uint8_images(render(gan.task, inputs, raw))
        truth = uint8_images(render(gan.task, inputs, target[None]))
        pixels += pred.shape[-1] * pred.shape[-2]
        outputs.append(pred[0])
        for name in ("psnr_y", "ssim_y", "psnr", "hf_ratio", "colourfulness"):
            options = {"crop_border": border} if name.endswith("_y") else {}
            for key, value in get_metric(name)(pred, truth, **options)["values"].items():
                sums[key] = sums.get(key, 0.0) + float(value)
    values = {k: v / len(data.targets) for k, v in sums.items()}
    values["s_per_megapixel"] = seconds / (pixels / 1e6)
    return {"values": values, "outputs": outputs, "names": data.names}
