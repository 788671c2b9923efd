"""The ``cyclegan`` GAN type, registered in :data:`ganforge.registry.GAN_TYPES`: its config section
(``cyclegan: {crop: 128, blocks: 9, ...}``), its checks, its data (two unpaired domains,
:mod:`ganforge.data.unpaired`) and how it builds its four networks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from ganforge.errors import ConfigError
from ganforge.registry import GAN_TYPES, GANType

__all__ = ["CycleGANSection"]


@dataclass
class CycleGANSection:
    """The ``cyclegan:`` section."""

    crop: int = 128  # training crops, in pixels (a multiple of 4)
    load_size: Optional[int] = None  # resize images to this square before cropping (None: as stored)
    flip: bool = True  # random horizontal flips
    blocks: int = 9  # residual blocks of each generator: 6 (128-px images) or 9 (256 px) in the paper
    receptive_field: int = 70  # PatchGAN patch size: 16, 34, 70, 142, 286
    cycle_weight: float = 10.0  # lambda of the cycle loss
    identity_weight: float = 0.5  # identity loss weight as a fraction of cycle_weight; 0 turns it off
    pool_size: int = 50  # past fakes per discriminator; 0: no pool
    repeats: Optional[int] = None  # crops per A image per epoch (default: about 1,000 crops an epoch)


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def _check(config: Any, warn: bool) -> None:
    from ganforge.nets.patchgan import RECEPTIVE_FIELDS

    g, d, s = config.gan, config.data, config.sections["cyclegan"]
    _require(g.num_classes is None, "gan.num_classes does not apply to gan.kind=cyclegan")
    _require(g.n_critic == 1, f"gan.kind=cyclegan runs one D step per G step; got gan.n_critic={g.n_critic}")
    _require(g.pack == 1 and not g.mode_seeking, "gan.pack and gan.mode_seeking do not apply to gan.kind=cyclegan")
    _require(d.image_size is None, "data.image_size does not apply to gan.kind=cyclegan: set cyclegan.load_size "
                                   "(resize) and cyclegan.crop (training crops)")
    _require(d.labels is None, "data.labels does not apply to gan.kind=cyclegan")
    _require(not config.eval.every, "eval.every does not apply to gan.kind=cyclegan (it scores generated samples); "
                                    "set eval.every=0 and score translations with ganforge.metrics.unpaired")
    for key in ("blocks", "crop"):
        _require(getattr(s, key) >= 1, f"cyclegan.{key} must be >= 1; got {getattr(s, key)}")
    _require(s.load_size is None or s.load_size >= s.crop,
             f"cyclegan.load_size ({s.load_size}) must be at least cyclegan.crop ({s.crop})")
    _require(s.crop % 4 == 0 and s.crop >= 8, f"cyclegan.crop must be a multiple of 4 and >= 8 (the generator "
                                              f"halves it twice); got {s.crop}")
    _require(s.receptive_field in RECEPTIVE_FIELDS, f"cyclegan.receptive_field must be one of "
                                                    f"{', '.join(map(str, RECEPTIVE_FIELDS))}; got {s.receptive_field}")
    layers = RECEPTIVE_FIELDS[s.receptive_field]
    _require(s.crop >= 3 * 2 ** layers, f"cyclegan.crop ({s.crop}) is too small for a {s.receptive_field}-pixel "
                                        f"PatchGAN (needs >= {3 * 2 ** layers}); lower cyclegan.receptive_field")
    for key in ("cycle_weight", "identity_weight", "pool_size"):
        _require(getattr(s, key) >= 0, f"cyclegan.{key} must be >= 0; got {getattr(s, key)}")
    _require(s.repeats is None or s.repeats >= 1, f"cyclegan.repeats must be >= 1; got {s.repeats}")


def _load(config: Any) -> Any:
    from ganforge.data.unpaired import load_unpaired

    d, s = config.data, config.sections["cyclegan"]
    return load_unpaired(d.a, d.b, d.source or None, crop=s.crop, load_size=s.load_size, channels=d.channels,
                         flip=s.flip, repeats=s.repeats)


def _metadata(config: Any, dataset: Any) -> dict[str, Any]:
    return {"sample_shape": list(dataset.sample_shape), "channels": dataset.channels}


def _build(config: Any, metadata: Mapping[str, Any]) -> Any:
    from ganforge.gans.cyclegan import CycleGAN
    from ganforge.gans.types import gan_options
    from ganforge.nets.patchgan import PatchGAN
    from ganforge.nets.resnet_translator import ResnetTranslator

    m, s, c = config.model, config.sections["cyclegan"], int(metadata["channels"])
    width = m.width or 64
    try:
        generators = [ResnetTranslator(c, c, width, s.blocks, norm=m.g_norm or "instance") for _ in range(2)]
        discriminators = [PatchGAN(c, width, s.receptive_field, norm=m.d_norm or "instance",
                                   spectral_norm=m.spectral_norm) for _ in range(2)]
        return CycleGAN(generators[0], discriminators[0], generators[1], discriminators[1], channels=c,
                        cycle_weight=s.cycle_weight, identity_weight=s.identity_weight, pool_size=s.pool_size,
                        multiple=ResnetTranslator.multiple, **gan_options(config))
    except ValueError as exc:
        raise ConfigError(f"cyclegan: {exc}") from None


GAN_TYPES.register("cyclegan", GANType(
    build=_build, check=_check, load=_load, metadata=_metadata, section=CycleGANSection,
    description="unpaired translation: two ResNet translators, two PatchGANs, cycle + identity losses, "
                "pools of past fakes (Zhu et al. 2017)"))
