"""The paired image-to-image GAN types, registered in :data:`ganforge.registry.GAN_TYPES`.

``pix2pix`` (pairs: A/B folders or side-by-side images), ``colorize`` (any colour images: L -> a, b),
``srgan`` (SRResNet then adversarial) and ``esrgan`` (RRDB network, relativistic D), all built on
:class:`ganforge.gans.translation.Translation`. Each has its own config section (``pix2pix: {crop: 256}``),
the same fields with defaults of its own.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Mapping, Optional

from ganforge.errors import ConfigError, ConfigWarning
from ganforge.registry import GAN_TYPES, GANType

__all__ = ["TASKS", "TranslationSection"]

#: gan.kind -> the data task of :mod:`ganforge.data.paired`.
TASKS = {"pix2pix": "pairs", "colorize": "colorize", "srgan": "sr", "esrgan": "sr"}
_GENERATORS = {"pairs": ("unet",), "colorize": ("unet",), "sr": ("srresnet", "rrdb")}


@dataclass
class TranslationSection:
    """The section of an image-to-image type (``pix2pix:``, ``colorize:``, ``srgan:``, ``esrgan:``)."""

    crop: int = 128  # training crops of the target, in pixels
    direction: Literal["AtoB", "BtoA"] = "AtoB"  # pix2pix: which side of a pair is the input
    scale: int = 1  # super-resolution factor: 2, 3 or 4
    degradation: bool = False  # super-resolution: Real-ESRGAN's blur, noise and JPEG before/after down-sampling
    generator: Literal["unet", "srresnet", "rrdb"] = "unet"
    depth: int = 7  # U-Net levels (crops must be multiples of 2**depth)
    blocks: int = 16  # SRResNet residual blocks, or RRDB blocks
    growth: int = 32  # RRDB: channels each dense layer adds
    receptive_field: int = 70  # PatchGAN patch size: 16, 34, 70, 142, 286
    conditional: bool = True  # D sees the input beside the output (pix2pix); false: the output alone (SRGAN)
    reconstruction: Literal["l1", "l2"] = "l1"
    reconstruction_weight: float = 100.0  # pix2pix's lambda
    adversarial_weight: float = 1.0  # 0: reconstruction only (no discriminator)
    relativistic: bool = False  # relativistic average D (ESRGAN)
    feature_matching: float = 0.0  # weight of L1 between D's maps of real and fake
    perceptual: str = ""  # a TorchScript feature network (images in [-1, 1] -> features)
    perceptual_weight: float = 0.0
    pretrain_steps: int = 0  # steps of reconstruction only before the adversarial stage (SRResNet -> SRGAN)
    anchor: Literal["target", "pretrained"] = "target"  # adversarial stage reconstructs the target or the stage-1 output
    repeats: Optional[int] = None  # crops per image per epoch (default: about 1,000 crops an epoch)


@dataclass
class Pix2PixSection(TranslationSection):
    pass


@dataclass
class ColorizeSection(TranslationSection):
    pass


@dataclass
class SRGANSection(TranslationSection):
    crop: int = 96
    scale: int = 4
    generator: Literal["unet", "srresnet", "rrdb"] = "srresnet"
    blocks: int = 8
    conditional: bool = False
    reconstruction_weight: float = 1.0
    adversarial_weight: float = 0.05  # see README: 0.01 left outputs blurry in a short CPU run
    feature_matching: float = 1.0
    pretrain_steps: int = 1000


@dataclass
class ESRGANSection(SRGANSection):
    generator: Literal["unet", "srresnet", "rrdb"] = "rrdb"
    blocks: int = 3
    growth: int = 16
    relativistic: bool = True


_SECTIONS = {"pix2pix": Pix2PixSection, "colorize": ColorizeSection, "srgan": SRGANSection, "esrgan": ESRGANSection}


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def _check(config: Any, warn: bool) -> None:
    from ganforge.nets.patchgan import RECEPTIVE_FIELDS

    g, d, kind = config.gan, config.data, config.gan.kind
    s, task = config.sections[kind], TASKS[kind]
    _require(g.num_classes is None, f"gan.num_classes does not apply to gan.kind={kind}")
    _require(g.pack == 1 and not g.mode_seeking, f"gan.pack and gan.mode_seeking do not apply to gan.kind={kind}")
    _require(d.image_size is None, f"data.image_size does not apply to gan.kind={kind}: images keep their size and "
                                   f"are cropped at random to {kind}.crop pixels")
    _require(d.labels is None, f"data.labels does not apply to gan.kind={kind}")
    _require(not config.eval.every, f"eval.every does not apply to gan.kind={kind} (it scores generated samples); "
                                    f"set eval.every=0 and score held-out pairs with `ganforge evaluate RUN --pairs DIR`")
    _require(s.generator in _GENERATORS[task], f"{kind}.generator must be {' or '.join(_GENERATORS[task])}; "
                                               f"got {s.generator}")
    for key in ("depth", "blocks", "growth", "crop"):
        _require(getattr(s, key) >= 1, f"{kind}.{key} must be >= 1; got {getattr(s, key)}")
    for key in ("reconstruction_weight", "adversarial_weight", "feature_matching", "perceptual_weight",
                "pretrain_steps"):
        _require(getattr(s, key) >= 0, f"{kind}.{key} must be >= 0; got {getattr(s, key)}")
    _require(s.repeats is None or s.repeats >= 1, f"{kind}.repeats must be >= 1; got {s.repeats}")
    _require(s.anchor == "target" or s.pretrain_steps > 0,
             f"{kind}.anchor=pretrained needs {kind}.pretrain_steps > 0 (a first stage to anchor to)")
    if task == "sr":
        _require(s.scale in (2, 3, 4), f"{kind}.scale must be 2, 3 or 4; got {s.scale}")
        _require(s.crop % s.scale == 0, f"{kind}.crop ({s.crop}) must be a multiple of {kind}.scale ({s.scale})")
    else:
        _require(s.scale == 1, f"{kind}.scale applies to super-resolution (srgan, esrgan); got {s.scale}")
        _require(not s.degradation, f"{kind}.degradation applies to super-resolution (srgan, esrgan)")
        _require(s.crop % 2 ** s.depth == 0, f"{kind}.crop ({s.crop}) must be a multiple of 2**{kind}.depth "
                                            f"({2 ** s.depth}); lower {kind}.depth or change the crop")
    _require(s.receptive_field in RECEPTIVE_FIELDS, f"{kind}.receptive_field must be one of "
                                                    f"{', '.join(map(str, RECEPTIVE_FIELDS))}; got {s.receptive_field}")
    _require(not (s.relativistic and g.penalty != "none"), f"{kind}.relativistic takes no gan.penalty")
    _require(not s.perceptual_weight or bool(s.perceptual),
             f"{kind}.perceptual_weight needs {kind}.perceptual: a TorchScript feature network (no VGG weights "
             f"ship with ganforge)")
    if warn and s.perceptual and not s.perceptual_weight:
        warnings.warn(f"{kind}.perceptual is set but {kind}.perceptual_weight is 0: it has no effect", ConfigWarning,
                      stacklevel=4)
    if warn and task != "pairs" and s.direction != "AtoB":
        warnings.warn(f"{kind}.direction applies to pix2pix only", ConfigWarning, stacklevel=4)


def _load(config: Any) -> Any:
    from ganforge.data.degrade import Degradation
    from ganforge.data.paired import load_paired

    kind, d = config.gan.kind, config.data
    s = config.sections[kind]
    if not d.source:
        raise ConfigError(f"gan.kind={kind} trains on your images: set data.source=DIR (a folder)")
    return load_paired(d.source, TASKS[kind], crop=s.crop, scale=s.scale, direction=s.direction,
                       degradation=Degradation() if s.degradation else None, channels=d.channels, n=d.n,
                       seed=config.train.seed, repeats=s.repeats)


def _metadata(config: Any, dataset: Any) -> dict[str, Any]:
    return {"sample_shape": list(dataset.sample_shape), "channels": list(dataset.channels)}


def _perceptual(path: str) -> Any:
    import torch

    if not Path(path).is_file():
        raise ConfigError(f"perceptual feature network {path}: no such file")
    try:
        import warnings as _warnings

        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore", DeprecationWarning)  # torch's note on TorchScript's future
            net = torch.jit.load(path, map_location="cpu").eval()
        for p in net.parameters():
            p.requires_grad_(False)
        return net
    except (RuntimeError, ValueError) as exc:
        raise ConfigError(f"perceptual feature network {path} is not a TorchScript file: {exc}") from None


def _build(config: Any, metadata: Mapping[str, Any]) -> Any:
    from ganforge.gans.translation import Translation
    from ganforge.gans.types import gan_options
    from ganforge.nets.patchgan import PatchGAN
    from ganforge.nets.sr import RRDBNet, SRResNet
    from ganforge.nets.unet import UNet

    kind, m = config.gan.kind, config.model
    s, task = config.sections[kind], TASKS[kind]
    channels = metadata.get("sample_shape", [3])[0]  # built from a sample shape alone: as many channels in as out
    cin, cout = metadata.get("channels") or ((1, 2) if task == "colorize" else (channels, channels))
    width = m.width or (64 if s.generator == "unet" else 32)
    try:
        if s.generator == "unet":
            generator = UNet(cin, cout, width, s.depth, norm=m.g_norm or "batch")
        elif s.generator == "srresnet":
            generator = SRResNet(cout, s.scale, width, s.blocks)
        else:
            generator = RRDBNet(cout, s.scale, width, s.blocks, s.growth)
        discriminator = PatchGAN(cout + (cin if s.conditional else 0), m.width or 64, s.receptive_field,
                                 norm=m.d_norm or "batch", spectral_norm=m.spectral_norm)
        return Translation(generator, discriminator, task=task, channels=(cin, cout),
                           scale=s.scale, reconstruction=s.reconstruction,
                           reconstruction_weight=s.reconstruction_weight, adversarial_weight=s.adversarial_weight,
                           conditional=s.conditional, relativistic=s.relativistic, feature_matching=s.feature_matching,
                           perceptual=_perceptual(s.perceptual) if s.perceptual else None,
                           perceptual_weight=s.perceptual_weight, pretrain_steps=s.pretrain_steps, anchor=s.anchor,
                           multiple=getattr(generator, "multiple", 1), radius=getattr(generator, "radius", None),
                           **gan_options(config))
    except ValueError as exc:
        raise ConfigError(f"{kind}: {exc}") from None


for _kind, _what in [("pix2pix", "paired translation: U-Net G, PatchGAN D, L1 + cGAN (Isola et al. 2017)"),
                     ("colorize", "colourisation: L channel -> a, b with pix2pix's networks and losses"),
                     ("srgan", "super-resolution: SRResNet, then adversarial (Ledig et al. 2017)"),
                     ("esrgan", "super-resolution: RRDB network, relativistic D (Wang et al. 2018), lite")]:
    GAN_TYPES.register(_kind, GANType(build=_build, check=_check, load=_load, metadata=_metadata,
                                      section=_SECTIONS[_kind], description=_what))
