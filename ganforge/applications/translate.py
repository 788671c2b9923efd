"""Using a trained image-to-image run: translate or upscale image files of any size, and evaluate it on
held-out pairs.

``ganforge translate RUN INPUT --out DIR`` / ``ganforge upscale RUN INPUT --out DIR`` write one PNG per
input image (INPUT: an image or a folder), computed in overlapping, blended tiles so memory stays
bounded whatever the image size (:meth:`ganforge.gans.translation.Translation.translate`; in Python:
``gan, _ = ganforge.load_run(RUN); gan.translate(image)``). ``ganforge evaluate RUN --pairs DIR``
scores whole held-out images (:func:`evaluate_pairs`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import torch

from ganforge.errors import ConfigError, DataError
from ganforge.io import atomic_write, check_output, read_manifest, to_plain, write_json

__all__ = ["evaluate_pairs", "load_translator", "translate_files"]

MANIFEST = "translations.json"


def load_translator(run: str | Path, checkpoint: str = "last", device: str = "cpu") -> Any:
    """The translator of an image-to-image run folder (its averaged G when the run kept one)."""
    from ganforge.runs.experiment import load_run
    from ganforge.gans.translation import Translation

    gan, cfg = load_run(run, checkpoint=checkpoint, map_location=device)
    if not isinstance(gan, Translation):
        raise ConfigError(f"{run} trained gan.kind={cfg.gan.kind}, not an image-to-image type "
                          f"(pix2pix, colorize, srgan, esrgan, cyclegan)")
    return gan


def _inputs(source: str | Path) -> list[tuple[str, Path]]:
    from ganforge.data import find_images

    path = Path(source).expanduser()
    if path.is_file():
        return [(path.name, path)]
    if not path.is_dir():
        raise DataError(f"{path}: no such image or folder")
    files = find_images(path)
    if not files:
        raise DataError(f"no images found in {path}")
    return [(p.relative_to(path).as_posix(), p) for p in files]


def _owned(path: Path) -> bool:
    return (read_manifest(path, MANIFEST) or {}).get("format") == "ganforge-translations-1"


def translate_files(run: str | Path, source: str | Path, out: str | Path, *, checkpoint: str = "last",
                    tile: int = 256, overlap: int | None = None, device: str = "cpu", overwrite: bool = False,
                    upscale: bool = False, direction: str | None = None) -> list[Path]:
    """Translate (or, with ``upscale``, super-resolve) every image of ``source`` into PNGs in folder ``out``;
    ``direction`` (AtoB or BtoA) picks a CycleGAN's translator (default AtoB)."""
    from PIL import Image

    out = check_output(out, overwrite=overwrite, own=_owned, inputs=[run, source], folder=True,
                       what="a folder of translations")
    if tile < 16 or (overlap is not None and not 0 <= overlap < tile):
        raise ConfigError(f"--tile must be >= 16 and --overlap in [0, tile); got {tile} and {overlap}")
    gan = load_translator(run, checkpoint, device)
    gan.translator(direction)  # a bad direction fails before any image is read
    if upscale and gan.scale == 1:
        raise ConfigError(f"{run} translates without enlarging (scale 1): use `ganforge translate`")
    inputs = _inputs(source)
    out.mkdir(parents=True, exist_ok=True)
    written, t0 = [], time.perf_counter()
    for name, path in inputs:
        try:
            with Image.open(path) as img:
                img.load()
                img = img.convert("L" if img.mode in ("1", "L", "LA", "I", "I;16", "F") else "RGB")
        except (OSError, ValueError) as exc:
            raise DataError(f"cannot read image {path}: {exc}") from None
        result = gan.translate(img, tile=tile, overlap=overlap, direction=direction)
        target = out / Path(name).with_suffix(".png")
        target.parent.mkdir(parents=True, exist_ok=True)
        written.append(atomic_write(target, lambda f, im=result: im.save(f, format="PNG")))
    write_json(out / MANIFEST, {"format": "ganforge-translations-1", "run": str(run), "checkpoint": checkpoint,
                                "tile": tile, "overlap": overlap, "scale": gan.scale, "direction": direction,
                                "files": [p.relative_to(out).as_posix() for p in written],
                                "seconds": round(time.perf_counter() - t0, 3)})
    return written


def evaluate_pairs(run: str | Path, pairs: str | Path, *, checkpoint: str = "last", tile: int = 256,
                   overlap: int | None = None, device: str = "cpu") -> list[dict[str, Any]]:
    """Metrics of the run on whole held-out images of ``pairs`` (A/B pairs, or colour / high-resolution images).

    Y-PSNR and Y-SSIM (border crop = the scale), RGB PSNR, high-frequency energy ratio and colourfulness
    ratio, averaged over the images; for super-resolution also bicubic enlargement as the baseline.
    """
    from ganforge.data.degrade import from_pil, to_pil
    from ganforge.data.paired import load_paired, render
    from ganforge.io import uint8_images
    from ganforge.metrics import get_metric
    from PIL import Image

    gan = load_translator(run, checkpoint, device)
    data = load_paired(pairs, gan.task, crop=gan.scale, scale=gan.scale, repeats=1, flip=False,
                       channels=gan.channels[1] if gan.task == "sr" else None)
    if gan.task == "pairs" and data.channels != gan.channels:
        raise DataError(f"{pairs}: pairs of {data.channels[0]} -> {data.channels[1]} channels, but {run} translates "
                        f"{gan.channels[0]} -> {gan.channels[1]}")
    names = ("psnr_y", "ssim_y", "psnr", "hf_ratio", "colourfulness")
    sums: dict[str, dict[str, float]] = {}
    border = gan.scale if gan.scale > 1 else 0
    g = torch.Generator().manual_seed(0)
    for i in range(len(data.targets)):
        inputs, target = data.pair(i, whole=True, generator=g)
        inputs = inputs[None]
        truth = uint8_images(render(gan.task, inputs, target[None]))
        outputs = {"model": uint8_images(render(gan.task, inputs, gan.apply(inputs, tile=tile, overlap=overlap)))}
        if gan.scale > 1:
            low = uint8_images(inputs)[0]
            size = (truth.shape[-1], truth.shape[-2])
            outputs["bicubic"] = from_pil(to_pil(low).resize(size, Image.Resampling.BICUBIC))[None]
        for method, pred in outputs.items():
            row = sums.setdefault(method, {})
            for name in names:
                values = get_metric(name)(pred, truth, **({"crop_border": border} if name.endswith("_y") else {}))
                for key, value in values["values"].items():
                    row[key] = row.get(key, 0.0) + float(value)
    n = len(data.targets)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return [{"metric": "pairs", "method": method, "values": {k: v / n for k, v in row.items()}, "n_fake": n,
             "pairs": str(pairs), "run": str(run), "checkpoint": checkpoint, "crop_border": border, "time": stamp}
            for method, row in sums.items()]


def append_records(path: Path, records: list[dict[str, Any]]) -> None:
    """Append records as JSON lines to ``path`` (a run's ``evaluation.jsonl``)."""
    old = path.read_text() if path.exists() else ""
    text = old + "".join(json.dumps(to_plain(r)) + "\n" for r in records)
    atomic_write(path, lambda f: f.write(text), mode="w")
