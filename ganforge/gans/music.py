"""The piano-roll GAN (``gan.kind: musegan``): MuseGAN-style multi-track phrases (see
:mod:`ganforge.nets.musegan`), trained on phrases of a :class:`~ganforge.music.data.RollDataset`.

Samples are flattened 0/1 rolls like the data (:meth:`MuseGAN.rolls` shapes them); previews are a grid
of piano rolls and a MIDI file of 4 phrases one after another (``samples/step_NNNNNNN.mid``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from ganforge.errors import ConfigError
from ganforge.gans.base import GAN
from ganforge.gans.protocol import Preview
from ganforge.music.pictures import roll_grid
from ganforge.music.rolls import RollFormat

__all__ = ["MuseGAN"]

PREVIEW_PHRASES, PICTURE_PHRASES, MIDI_PHRASES = 64, 8, 4


class MuseGAN(GAN):
    """A GAN of piano-roll phrases in the format ``fmt``; ``programs`` and ``track_names`` go into MIDI files."""

    media_suffix = ".mid"

    def __init__(self, generator, discriminator, fmt: RollFormat, *, programs: tuple[int, ...] = (),
                 track_names: tuple[str, ...] = (), tempo_bpm: float = 100.0, **options) -> None:
        super().__init__(generator, discriminator, generator.latent_dim, **options)
        self.fmt, self.programs, self.track_names, self.tempo_bpm = fmt, programs, track_names, tempo_bpm

    def rolls(self, x: Tensor) -> np.ndarray:
        """Flattened samples -> boolean rolls ``(n, tracks, steps, pitches)``."""
        return x.detach().cpu().numpy().reshape(len(x), *self.fmt.shape) > 0.5

    def picture_of(self, x: Tensor) -> Image.Image:
        return roll_grid(self.rolls(x), self.fmt, nrow=2)

    def write_media(self, path: str | Path, x: Tensor) -> Path:
        """Phrases one after another as one MIDI file (a bar of rest between them)."""
        from ganforge.music.midi import write_midi

        rolls = self.rolls(x)
        rest = np.zeros((self.fmt.tracks, self.fmt.steps_per_bar, self.fmt.pitches), dtype=bool)
        joined = np.concatenate([part for r in rolls for part in (r, rest)][:-1], axis=1)
        return write_midi(path, joined, self.fmt.lowest, self.fmt.steps_per_quarter, self.programs or None,
                          self.track_names or None, tempo_bpm=self.tempo_bpm)

    @torch.no_grad()
    def preview(self, n: int | None = None, seed: int = 0, data: Any = None) -> Preview:
        """``n`` (64) phrases from fixed noise; the picture shows 8, the MIDI file holds 4."""
        count = n or PREVIEW_PHRASES
        z = self.sample_latent(count, device=torch.device("cpu"), generator=torch.Generator().manual_seed(seed))
        x = self.sample(count, z=z)
        return Preview(x, picture=self.picture_of(x[:PICTURE_PHRASES]),
                       media=lambda stem: self.write_media(Path(f"{stem}{self.media_suffix}"), x[:MIDI_PHRASES]))

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "roll": self.fmt.to_dict()}


@dataclasses.dataclass
class MuseGANSection:
    """The ``musegan:`` section of a config."""

    binarize: str = "threshold"  # what D sees of G's output in training: threshold (probabilities) or straight_through
    monophonic: bool = False  # each track a voice: one pitch or a rest per step (a softmax), as in SATB chorales
    tempo_bpm: float = 100.0  # tempo of the MIDI files written


def _check(config: Any, warn: bool) -> None:
    from ganforge.gans.types import _ignores_acgan_keys, _without_classes

    s = config.sections["musegan"]
    if s.binarize not in ("threshold", "straight_through"):
        raise ConfigError(f"musegan.binarize must be threshold or straight_through; got {s.binarize!r}")
    if not isinstance(s.monophonic, bool):
        raise ConfigError(f"musegan.monophonic must be true or false; got {s.monophonic!r}")
    if not s.tempo_bpm > 0:
        raise ConfigError(f"musegan.tempo_bpm must be > 0; got {s.tempo_bpm}")
    if config.gan.pack != 1:
        raise ConfigError(f"gan.pack applies to gan.kind=gan only; got gan.pack={config.gan.pack}")
    _without_classes(config)
    _ignores_acgan_keys(config, warn)


def _roll_view(config: Any, dataset: Any) -> Any:
    from ganforge.music.data import RollDataset

    if not isinstance(dataset, RollDataset):
        raise ConfigError(f"gan.kind=musegan needs piano-roll phrases (chorales, or a folder of MIDI files); data "
                          f"set {dataset.name!r} is not music")
    return dataset


def _metadata(config: Any, dataset: Any) -> dict[str, Any]:
    return {"sample_shape": list(dataset.sample_shape), "roll": dataset.fmt.to_dict(),
            "programs": list(dataset.programs), "track_names": list(dataset.track_names), "upsample": "nearest"}


def _build(config: Any, metadata: Mapping[str, Any]) -> MuseGAN:
    from ganforge.gans.types import gan_options
    from ganforge.nets.musegan import RollDiscriminator, RollGenerator

    fmt = RollFormat(**metadata["roll"])
    m, s = config.model, config.sections["musegan"]
    shape = (fmt.tracks, fmt.bars, fmt.steps_per_bar, fmt.pitches)
    try:
        # G's upsampling layer as recorded at training time; runs saved before it was recorded used "transposed"
        g = RollGenerator(m.latent_dim, shape, m.width or 32, s.binarize, s.monophonic,
                          metadata.get("upsample", "transposed"))
        d = RollDiscriminator(shape, m.width or 32)
    except ValueError as exc:
        raise ConfigError(f"musegan: {exc}") from None
    return MuseGAN(g, d, fmt, programs=tuple(metadata.get("programs", ())),
                   track_names=tuple(metadata.get("track_names", ())), tempo_bpm=s.tempo_bpm, **gan_options(config))


def _register() -> None:
    from ganforge.registry import GAN_TYPES, GANType

    GAN_TYPES.register("musegan", GANType(
        build=_build, check=_check, data_view=_roll_view, metadata=_metadata, section=MuseGANSection,
        description="multi-track piano-roll phrases, bar by bar, shared and private latents (MuseGAN-style)"))


_register()  # on import (the GAN_TYPES registry loads this module by name on its first use)
