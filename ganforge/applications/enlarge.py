"""Enlarging a labelled data set with a conditional GAN or DAGAN (new images per class, or classes re-balanced): ``ganforge augment``.

From a labelled image data set (a folder with one sub-folder per class, an ``.npz`` with images
and labels, images with a label file, or a built-in) it trains a generator, or reuses a trained
run, and writes the data set enlarged (``--per-class N``: every class topped up to N images) or
re-balanced (``--balance``: every class topped up to the largest), with a manifest saying which
images are synthetic and, for DAGAN, which real image each was varied from.

* ``--method cgan`` samples a class-conditional GAN (``gan.kind`` cgan, acgan or projection) at
  the class's label: new images from what the GAN learnt of the class.
* ``--method dagan`` asks a DAGAN for variations of the class's own real images, each real
  image used in turn: it needs no training on the class, so it also serves rare classes.
* ``--method tabular`` (the default and only method for a CSV or Parquet table) fits a
  :class:`ganforge.tabular.TabularGAN` and tops every class of ``--target COLUMN`` up with its exact
  conditional sampling, ``sample(n, conditions={target: value})``.

The output appears whole or not at all: it is written into a temporary sibling folder and
renamed into place at the end.

Python: :func:`load_labelled`, :func:`plan_additions`, :func:`synthesize`, :func:`write_augmented`,
or :func:`augment` for all of it. The command's parser is in :mod:`ganforge.applications.cli`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from ganforge.applications import METHODS
from ganforge.data import BUILTIN_DATASETS, find_images, load_dataset, read_label_file
from ganforge.errors import ConfigError, DataError
from ganforge.gans.types import CLASS_CONDITIONAL
from ganforge.io import atomic_folder, check_output
from ganforge.nets import DCGAN_SIZES, unwrap

__all__ = ["LabelledImages", "METHODS", "augment", "load_labelled", "plan_additions",
           "synthesize", "write_augmented"]

#: The preset a new run starts from, by method and image size (8 px: the digits presets).
DEFAULT_PRESETS = {("cgan", 8): "digits-cgan", ("cgan", None): "mnist-projection",
                   ("dagan", 8): "digits-dagan", ("dagan", None): "mnist-dagan"}


@dataclass
class LabelledImages:
    """Images with labels, class names and where each image came from."""

    images: torch.Tensor  # uint8 (N, C, H, W)
    labels: torch.Tensor  # int64 (N,)
    classes: list[str]  # class name of each label value 0..max
    sources: list[str]  # each image's origin: a path relative to the folder, or "index i"
    origin: dict[str, Any]  # how to load it again: data.source, data.labels, data.image_size
    layout: str = "arrays"  # "folder" or "arrays": how the images were stored

    def counts(self) -> list[int]:
        return torch.bincount(self.labels, minlength=len(self.classes)).tolist()


# -- loading ---------------------------------------------------------------------------------
def load_labelled(source: str | os.PathLike, labels: str | os.PathLike | None = None,
                  image_size: int | None = None) -> LabelledImages:
    """Load a labelled image data set; DataError when it has no labels, fewer than 2 classes or no images."""
    name = os.fspath(source)
    path = Path(name).expanduser()
    label_path = str(Path(labels).expanduser().resolve()) if labels is not None else None
    builtin = name in BUILTIN_DATASETS
    ds = load_dataset(name, image_size=image_size, labels=label_path)
    if ds.modality != "image":
        raise DataError(f"{name} holds vectors of shape {ds.sample_shape}, not images")
    files = [p.relative_to(path).as_posix() for p in find_images(path)] if not builtin and path.is_dir() else None
    if ds.labels is None:
        if files is not None:
            flat = [f for f in files if "/" not in f]
            raise DataError(f"{path}: {'no' if len(flat) == len(files) else 'not all'} images are in class sub-folders "
                            f"(e.g. {flat[0]!r}); put each class in its own sub-folder, or pass --labels FILE")
        raise DataError(f"{path}: no labels (an array named 'labels' or 'y' in the .npz); pass --labels FILE")
    if label_path is not None:
        _, classes = read_label_file(label_path, len(ds), files)
    elif files is not None:
        classes = sorted({f.split("/")[0] for f in files})
    else:
        classes = [str(i) for i in range(ds.num_classes)]
    counts = torch.bincount(ds.labels, minlength=len(classes))
    present = [classes[c] for c in torch.nonzero(counts).flatten().tolist()]
    if len(present) < 2:
        where = "class folder" if files is not None and label_path is None else "class"
        raise DataError(f"{name}: found one {where} ({present[0]!r}, {len(ds)} images); augmentation and "
                        "re-balancing need at least two classes")
    sources = files if files is not None else [f"index {i}" for i in range(len(ds))]
    origin = {"source": name if builtin else str(path.resolve()), "labels": label_path, "image_size": image_size}
    return LabelledImages(ds.data, ds.labels, classes, sources, origin, "folder" if files is not None else "arrays")


def plan_additions(counts: Sequence[int], *, per_class: int | None = None, balance: bool = False) -> list[int]:
    """How many synthetic samples each class gets: up to ``per_class``, or up to the largest class.

    Classes without samples get none (there is nothing to condition on); classes already at or above
    the target keep their real samples and get none.
    """
    if (per_class is None) == (not balance):
        raise ConfigError("choose one of --per-class N and --balance")
    if per_class is not None and (isinstance(per_class, bool) or per_class < 1):
        raise ConfigError(f"--per-class must be >= 1; got {per_class}")
    target = per_class if per_class is not None else max(counts)
    return [max(0, target - n) if n > 0 else 0 for n in counts]


# -- generating ------------------------------------------------------------------------------
@torch.no_grad()
def synthesize(gan: Any, data: LabelledImages, additions: Sequence[int], *, seed: int = 0,
               batch_size: int = 500) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Synthetic images for each class: ``(uint8 images, labels, source index or -1)``.

    A class-conditional GAN samples at the class's label; a DAGAN varies the class's real images,
    going through them in a random order (each used once before any is used twice).
    """
    from ganforge.data import to_uint8_images

    from ganforge.gans.dagan import DAGAN

    g = torch.Generator().manual_seed(seed)
    dagan = isinstance(gan, DAGAN)
    images, labels, sources = [], [], []
    for c, m in enumerate(additions):
        if m == 0:
            continue
        if dagan:
            members = torch.nonzero(data.labels == c).flatten()
            order = members[torch.randperm(len(members), generator=g)]
            src = order[torch.arange(m) % len(order)]
            x = data.images[src].float() / 127.5 - 1.0
            fake = gan.sample(m, images=x, generator=g, batch_size=batch_size)
        else:
            src = torch.full((m,), -1, dtype=torch.int64)
            fake = gan.sample(m, labels=c, generator=g, batch_size=batch_size)
        images.append(to_uint8_images(fake.cpu()))
        labels.append(torch.full((m,), c, dtype=torch.int64))
        sources.append(src)
    if not images:
        empty = torch.empty((0, *data.images.shape[1:]), dtype=torch.uint8)
        return empty, torch.empty(0, dtype=torch.int64), torch.empty(0, dtype=torch.int64)
    return torch.cat(images), torch.cat(labels), torch.cat(sources)


# -- writing ---------------------------------------------------------------------------------
def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.+-]+", "_", name).strip(".") or "class"
    return cleaned


def _png_bytes(img: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img).save(buf, format="PNG")
    return buf.getvalue()


def write_augmented(out: str | os.PathLike, data: LabelledImages,
                    synthetic: tuple[torch.Tensor, torch.Tensor, torch.Tensor], *, fmt: str = "auto",
                    info: dict[str, Any] | None = None, escape_formulas: bool = True) -> Path:
    """Write real + synthetic images and ``manifest.csv`` / ``manifest.json`` to ``out``, atomically.

    ``fmt="folder"``: ``out/<class>/<name>.png`` (real images keep their file's stem, synthetic ones
    are ``synthetic_00000.png``...); ``"npz"``: ``out/data.npz`` with ``images`` (N, C, H, W) uint8,
    ``labels`` and ``synthetic``; ``"auto"``: a folder for folder input, else npz. ``out`` must not
    exist or be an empty folder; everything is written into a temporary sibling that is renamed
    to ``out`` only when complete. ``escape_formulas``: text cells of ``manifest.csv`` (class names,
    file names) that start with ``=``, ``+``, ``-`` or ``@`` get a leading ``'``, so a spreadsheet
    shows them instead of running them as formulas.
    """
    from ganforge.tabular.io import escape_formulas as escape
    out = Path(out).expanduser()
    fmt = ("folder" if data.layout == "folder" else "npz") if fmt == "auto" else fmt
    if fmt not in ("folder", "npz"):
        raise ConfigError(f"--format must be auto, folder or npz; got {fmt!r}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"{out} already exists and is not empty; choose a new --out")
    syn_images, syn_labels, syn_sources = synthetic
    with atomic_folder(out, manifest="manifest.json", fmt=None) as tmp:
        rows, real_files = [], []
        n_real = len(data.images)
        if fmt == "folder":
            dirs = _class_dirs(data.classes)
            used: set[str] = set()
            arrays = torch.cat([data.images, syn_images]).permute(0, 2, 3, 1).numpy()
            for i in range(n_real + len(syn_images)):
                real = i < n_real
                label = int(data.labels[i] if real else syn_labels[i - n_real])
                stem = Path(data.sources[i]).stem if real and data.layout == "folder" else (
                    f"real_{i:05d}" if real else f"synthetic_{i - n_real:05d}")
                rel = f"{dirs[label]}/{stem}.png"
                k = 1
                while rel in used:
                    rel, k = f"{dirs[label]}/{stem}_{k}.png", k + 1
                used.add(rel)
                (tmp / dirs[label]).mkdir(exist_ok=True)
                (tmp / rel).write_bytes(_png_bytes(arrays[i]))
                if real:
                    real_files.append(rel)
                rows.append((rel, label, real))
        else:
            images = torch.cat([data.images, syn_images])
            labels = torch.cat([data.labels, syn_labels])
            flags = np.r_[np.zeros(n_real, bool), np.ones(len(syn_images), bool)]
            with (tmp / "data.npz").open("wb") as fh:
                np.savez_compressed(fh, images=images.numpy(), labels=labels.numpy(), synthetic=flags)
            real_files = [str(i) for i in range(n_real)]
            rows = [(str(i), int(labels[i]), i < n_real) for i in range(len(images))]
        with (tmp / "manifest.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            cell = escape if escape_formulas else (lambda v: v)
            w.writerow(["file", "label", "class", "synthetic", "source"])
            for j, (rel, label, real) in enumerate(rows):
                if real:
                    source = data.sources[j]
                else:
                    s = int(syn_sources[j - n_real])
                    source = real_files[s] if s >= 0 else ""
                w.writerow([cell(v) for v in (rel, label, data.classes[label], 0 if real else 1, source)])
        counts = data.counts()
        added = torch.bincount(syn_labels, minlength=len(data.classes)).tolist()
        summary = {**(info or {}), "format": fmt, "images": n_real + len(syn_images), "synthetic": len(syn_images),
                   "classes": [{"label": c, "name": name, "real": counts[c], "synthetic": added[c],
                                "total": counts[c] + added[c]} for c, name in enumerate(data.classes)]}
        (tmp / "manifest.json").write_text(json.dumps(summary, indent=2) + "\n")
    return out


def _class_dirs(classes: Sequence[str]) -> list[str]:
    dirs, seen = [], set()
    for i, name in enumerate(classes):
        d = _safe_name(name)
        if d in seen:
            d = f"{d}_{i}"
        seen.add(d)
        dirs.append(d)
    return dirs


# -- the whole job ---------------------------------------------------------------------------
def _gan_for(method: str, data: LabelledImages, run: str | None, train_out: str | None, preset: str | None,
             overrides: Sequence[dict[str, Any]]) -> tuple[Any, str]:
    """A trained GAN for ``method``: loaded from ``run`` or trained now. Returns it and its run folder."""
    from ganforge.runs.experiment import load_run, train

    shape = tuple(data.images.shape[1:])
    if run is not None:
        gan, cfg = load_run(run)
        kinds = CLASS_CONDITIONAL if method == "cgan" else ("dagan",)
        if cfg.gan.kind not in kinds:
            raise ConfigError(f"--run {run} holds a gan.kind={cfg.gan.kind} model; --method {method} needs "
                              f"gan.kind {' or '.join(kinds)}")
        net = unwrap(gan.generator)
        if (net.channels, net.image_size, net.image_size) != shape:
            raise ConfigError(f"--run {run} makes images of shape {(net.channels, net.image_size, net.image_size)}; "
                              f"the data's are {shape} (pass --image-size, or train a new run)")
        if method == "cgan":
            _check_run_classes(Path(run), data, gan.num_classes)
        return gan, str(run)
    if shape[1] != shape[2] or shape[1] not in DCGAN_SIZES:
        sizes = ", ".join(str(s) for s in DCGAN_SIZES)
        raise ConfigError(f"the images are {shape[2]}x{shape[1]}; the {method} networks make squares of {sizes} px: "
                          f"pass --image-size (e.g. 32) to resize them")
    name = preset or DEFAULT_PRESETS.get((method, shape[1]), DEFAULT_PRESETS[(method, None)])
    base = {"name": f"augment-{method}",
            "data": {"source": data.origin["source"], "labels": data.origin["labels"],
                     "image_size": data.origin["image_size"], "channels": shape[0]}}
    trainer = train(name, out=train_out, overrides=[base, rare_class_settings(method), *overrides])
    run_dir = Path(trainer.run_dir)
    (run_dir / "classes.json").write_text(json.dumps({"classes": data.classes}, indent=2) + "\n")
    return trainer.gan, str(run_dir)


def rare_class_settings(method: str) -> dict[str, Any]:
    """The config ``ganforge augment`` adds to a model it trains, for data sets with rare classes.

    Every class is drawn as often as the largest into G's and D's batches: a class of 8 images among
    classes of 400 otherwise gets 2% of the updates (on MNIST its cGAN samples were read as their class
    66% of the time; 100% with balanced batches). A class-conditional G then drew one image per rare
    class; the mode-seeking term keeps those classes varied (DAGAN conditions on images: not used).
    """
    settings: dict[str, Any] = {"train": {"class_balanced": True}}
    if method == "cgan":
        settings["gan"] = {"mode_seeking": 1.0}
    return settings


def _check_run_classes(run: Path, data: LabelledImages, num_classes: int) -> None:
    stored = run / "classes.json"
    if stored.is_file():
        classes = json.loads(stored.read_text())["classes"]
        if classes != data.classes:
            raise ConfigError(f"--run {run} was trained on the classes {classes}; this data set has {data.classes}")
    elif num_classes < len(data.classes):
        raise ConfigError(f"--run {run} knows {num_classes} classes; this data set has {len(data.classes)}")


def augment(source: str | os.PathLike, out: str | os.PathLike, *, method: str = "cgan", per_class: int | None = None,
            balance: bool = False, labels: str | os.PathLike | None = None, image_size: int | None = None,
            run: str | None = None, train_out: str | None = None, preset: str | None = None,
            overrides: Sequence[dict[str, Any]] = (), seed: int = 0, fmt: str = "auto",
            escape_formulas: bool = True, validation: float = 0.2, force: bool = False,
            fallback: str = "baseline", filter_samples: bool = True, min_confidence: float = 0.5,
            mix: float | None = None, progress: Any = print) -> dict[str, Any]:
    """Load, plan, get a GAN (train or reuse), check that its samples help, generate and write.

    With ``validation`` > 0 a stratified share of the images is held out (the GAN never trains on it) and
    :mod:`ganforge.applications.gate` scores real only, classical augmentation, random oversampling and the
    GAN's filtered samples on it: the GAN's data set is written only when it beats them all (or ``force``);
    otherwise the best baseline's (``fallback="baseline"``) or nothing (``"none"``). ``mix`` is the share of
    the planned additions that is written (in (0, 1]); when not given it is chosen on the held-out images
    from :data:`gate.MIXES` (1 without a check). Returns the manifest summary (``validation`` holds the
    scores, the choice and why; ``filter`` the acceptance rates; ``mix`` the share written).
    """
    from ganforge.applications import gate

    if method not in ("cgan", "dagan"):
        raise ConfigError(f"--method for images must be cgan or dagan; got {method!r}")
    if run is not None and (any(overrides) or preset or train_out):
        raise ConfigError("--set, --preset and --train-out configure a new run; they do not apply with --run")
    if not 0 <= validation < 1:
        raise ConfigError(f"--validation must be a share in [0, 1); got {validation}")
    if fallback not in ("baseline", "none"):
        raise ConfigError(f"--fallback must be baseline or none; got {fallback!r}")
    if mix is not None and not 0 < mix <= 1:
        raise ConfigError(f"--mix must be a share of the planned images in (0, 1]; got {mix}")
    data = load_labelled(source, labels, image_size)
    additions = plan_additions(data.counts(), per_class=per_class, balance=balance)
    out = Path(out).expanduser()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"{out} already exists and is not empty; choose a new --out")  # before any training
    if fmt not in ("auto", "folder", "npz"):
        raise ConfigError(f"--format must be auto, folder or npz; got {fmt!r}")
    say = progress or (lambda _: None)
    info: dict[str, Any] = {"method": method, "input": os.fspath(source), "labels": data.origin["labels"],
                            "seed": seed, "target": per_class if per_class is not None else "balance"}
    split = _validation_split(data, validation, seed, run, say) if sum(additions) else None
    if split is not None:
        overrides = [*overrides, {"data": {"holdout": validation, "holdout_seed": seed}}]
    if sum(additions) and run is None:
        say(_expected_cost(method, data, preset, overrides,
                           checks=0 if split is None else 1 + 3 * (len(gate.MIXES) if mix is None else 1)))
    gan, run_dir = (None, None) if sum(additions) == 0 else _gan_for(method, data, run, train_out, preset, overrides)
    chosen, judge = method, None
    if split is not None:
        kept, held = split
        train_part = _subset(data, kept)
        target = None if per_class is None else max(1, round(per_class * len(kept) / len(data.labels)))
        plan = plan_additions(train_part.counts(), per_class=target, balance=balance)
        say(f"checking on {len(held)} held-out images whether the synthetic data helps a classifier ...")
        result = gate.run_gate((train_part.images, train_part.labels), (data.images[held], data.labels[held]),
                               plan, num_classes=len(data.classes), candidate=method, seed=seed,
                               synthesize=_sampler(gan, train_part, seed + 1),
                               mixes=gate.MIXES if mix is None else (mix,), min_confidence=min_confidence,
                               progress=say)
        chosen, reason = gate.choose(result["scores"], method, force=force)
        judge = result["judge"]
        info["validation"] = {"fraction": validation, "held_out": len(held), "chosen": chosen, "reason": reason,
                              "scores": {k: v.as_dict() for k, v in result["scores"].items()},
                              "mix": result["mix"],
                              "by_mix": {k: {str(m): v.as_dict() for m, v in by.items()} for k, by in result["by_mix"].items()},
                              "filter_on_training_part": result["filter"]}
        say(_score_table(result["scores"], result["mix"]) + "\n" + reason)
        mix = result["mix"].get(chosen, 1.0)
        if chosen != method and fallback == "none":
            say(f"nothing written to {out} (--fallback none)")
            return {**info, "written": False}
    if filter_samples and judge is None and gan is not None and chosen == method:
        say("training a classifier on the real images to filter the synthetic ones ...")
        judge = gate.train_judge(data.images, data.labels, seed=seed)
    additions = gate.scaled(additions, 1.0 if mix is None else mix)
    info["mix"] = 1.0 if mix is None else mix
    synthetic = _additions_of(chosen, gan, data, additions, seed, judge if filter_samples else None,
                              min_confidence, info)
    info.update({"handed_over": chosen, "run": run_dir, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    write_augmented(out, data, synthetic, fmt=fmt, info=info, escape_formulas=escape_formulas)
    return json.loads((out / "manifest.json").read_text())


def _expected_cost(method: str, data: LabelledImages, preset: str | None, overrides: Sequence[dict[str, Any]],
                   checks: int) -> str:
    """What the job will do and how long it may take, said before it starts."""
    from ganforge.config import merge
    from ganforge.durations import format_duration, parse_duration
    from ganforge.presets import get_preset

    name = preset or DEFAULT_PRESETS.get((method, data.images.shape[-1]), DEFAULT_PRESETS[(method, None)])
    train: dict[str, Any] = {}
    for layer in (get_preset(name).overrides, *overrides):
        train = merge(train, layer.get("train", {}))
    steps, budget = int(train.get("steps", 2000)), parse_duration(train.get("time_budget"), "train.time_budget")
    cost = f"training a {method} ({name}) for {steps:,} steps" + (
        f" or {format_duration(budget)}, whichever comes first" if budget else " (--time-budget caps the time)")
    if checks:
        cost += f"; then {checks} quick classifiers for the held-out check (at most 30 s each)"
    return cost


def _validation_split(data: LabelledImages, validation: float, seed: int, run: str | None,
                      say: Any) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The (kept, held-out) indices the check uses, or None (with a warning) when it cannot run."""
    from ganforge.data.holdout import stratified_holdout

    if validation == 0:
        return None
    if run is not None:
        say("warning: no held-out check with --run (the run's GAN may have trained on any image); "
            "the synthetic data is handed over unchecked")
        return None
    kept, held = stratified_holdout(data.labels, validation, seed)
    classes = int((torch.bincount(data.labels) > 0).sum())
    if len(held) < 2 * classes:
        say(f"warning: {len(held)} held-out images for {classes} classes are too few to tell whether the synthetic "
            "data helps; the check is skipped and the GAN trains on all images")
        return None
    return kept, held


def _subset(data: LabelledImages, index: torch.Tensor) -> LabelledImages:
    return LabelledImages(data.images[index], data.labels[index], data.classes,
                          [data.sources[i] for i in index.tolist()], data.origin, data.layout)


def _additions_of(chosen: str, gan: Any, data: LabelledImages, additions: Sequence[int], seed: int, judge: Any,
                  min_confidence: float, info: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The samples the chosen data set adds to all the real images."""
    from ganforge.applications import gate

    if chosen == "classical augmentation":
        return gate.classical_copies(data.images, data.labels, additions, seed)
    if chosen == "random oversampling":
        return gate.oversampled_copies(data.images, data.labels, additions, seed)
    if chosen == "real only" or gan is None:
        return synthesize(None, data, [0] * len(additions))
    if judge is None:
        return synthesize(gan, data, additions, seed=seed)
    chosen, info["filter"] = gate.filtered(_sampler(gan, data, seed), judge, data.images, additions,
                                           min_confidence=min_confidence)
    return chosen


def _sampler(gan: Any, data: LabelledImages, seed: int) -> Any:
    """``draw(counts)``: :func:`synthesize` with a new seed at every call (``seed``, ``seed + 1000``, ...)."""
    calls = iter(range(10**6))
    return lambda counts: synthesize(gan, data, counts, seed=seed + 1000 * next(calls))


def _score_table(scores: dict[str, Any], mixes: dict[str, float]) -> str:
    width = max(len(k) for k in scores)
    lines = [f"  {'trained on real +':<{width}}  accuracy  macro F1  minority F1  share of plan"]
    lines += [f"  {k:<{width}}  {v.accuracy:8.3f}  {v.macro_f1:8.3f}  {v.minority_f1:11.3f}  "
              f"{format(mixes[k], 'g') if k in mixes else '-':>13}" for k, v in scores.items()]
    return "\n".join(lines)


# -- tables ------------------------------------------------------------------------------------
def is_table(source: str | os.PathLike) -> bool:
    """A file that is not an ``.npy``/``.npz`` array: read as a table (CSV, TSV, Parquet, compressed text)."""
    path = Path(source).expanduser()
    return path.is_file() and path.suffix.lower() not in (".npy", ".npz")


def augment_table(source: str | os.PathLike, out: str | os.PathLike, *, target: str | None,
                  per_class: int | None = None, balance: bool = False, run: str | None = None,
                  train_out: str | None = None, overrides: Sequence[dict[str, Any]] = (),
                  seed: int = 0, read_options: dict[str, Any] | None = None,
                  escape_formulas: bool = False) -> dict[str, Any]:
    """Re-balance a table by its ``target`` column with a TabularGAN's exact conditional sampling.

    ``run`` is a saved TabularGAN folder to reuse; otherwise one is fitted with the settings under
    ``tabular.`` in ``overrides`` (e.g. ``{"tabular": {"epochs": 50}}``) and saved to ``train_out``
    when given. Writes ``out`` (CSV or Parquet by its suffix: the real rows, then the synthetic
    ones, with a boolean ``synthetic`` column appended) and ``out.manifest.json``, each atomically.
    ``read_options`` go to :func:`~ganforge.tabular.read_table` (``names``, ``header``, ``na_values``);
    ``escape_formulas`` defuses spreadsheet formulas in the output's text cells (off: they are data).
    """
    import pandas as pd

    from ganforge.io import write_json
    from ganforge.tabular import TabularGAN, read_table, write_table

    if not target:
        raise ConfigError("--target COLUMN is needed for a table: the class column to re-balance")
    out = Path(out).expanduser()
    for path in (out, Path(f"{out}.manifest.json")):  # never replaced (a table's provenance is unreadable)
        check_output(path, overwrite=None, inputs=[source])
    df = read_table(source, **(read_options or {}))
    if target not in df.columns:
        raise DataError(f"{source}: no column {target!r}; columns: {', '.join(map(str, df.columns))}")
    if "synthetic" in df.columns:
        raise DataError(f"{source} already has a column 'synthetic', which the output uses to mark synthetic rows")
    values = df[target].value_counts(dropna=True)
    if len(values) < 2:
        raise DataError(f"{source}: column {target!r} has {len(values)} class(es); re-balancing needs at least two")
    additions = plan_additions(values.tolist(), per_class=per_class, balance=balance)
    if run is not None:
        if any(overrides) or train_out:
            raise ConfigError("--set and --train-out configure a new model; they do not apply with --run")
        model = TabularGAN.load(run)
        if target not in model.columns_:
            raise ConfigError(f"--run {run} was fitted on a table without the column {target!r}")
    else:
        settings: dict[str, Any] = {"seed": seed}
        for o in overrides:
            unknown = set(o) - {"tabular"}
            if unknown:
                raise ConfigError(f"--set for a table takes tabular.<setting> keys; got {', '.join(sorted(unknown))}")
            settings.update(o.get("tabular", {}))
        try:
            model = TabularGAN(**settings)
        except TypeError as exc:
            raise ConfigError(f"--set tabular.*: {exc}") from None
        if train_out is not None:  # before training: refuse a folder that is not a model (it would not be replaced)
            from ganforge.io import check_folder_target
            from ganforge.tabular.model import FORMAT, META

            check_folder_target(train_out, manifest=META, fmt=FORMAT)
        model.fit(df, discrete_columns=[target])
        if train_out is not None:
            model.save(train_out)
    parts = [df.assign(synthetic=False)]
    for k, (value, m) in enumerate(zip(values.index, additions)):
        if m:
            parts.append(model.sample(m, conditions={target: value}, seed=seed + k).assign(synthetic=True))
    result = pd.concat(parts, ignore_index=True)
    write_table(result, out, escape_formulas=escape_formulas)
    counts = result.groupby(target)["synthetic"].agg(["size", "sum"])
    summary = {"method": "tabular", "input": os.fspath(source), "target": target, "run": run or train_out,
               "seed": seed, "rows": len(result), "synthetic": int(result["synthetic"].sum()),
               "classes": [{"name": str(v), "real": int(r["size"] - r["sum"]), "synthetic": int(r["sum"]),
                            "total": int(r["size"])} for v, r in counts.iterrows()]}
    write_json(Path(f"{out}.manifest.json"), summary)
    return summary
