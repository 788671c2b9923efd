"""WaveGAN and SpecGAN (Donahue, McAuley & Puckette 2019), registered as ``gan.kind`` ``wavegan`` and
``specgan``; class-conditional (G(z, y), projection D) when the data has labels.

* WaveGAN: waveforms straight from 1-D transposed convolutions, D with phase shuffle.
* SpecGAN: G makes 128x128 log-magnitude spectrograms (STFT of 256 samples, hop 128; each frequency
  bin normalised by the training data's mean and std, clipped at 3 std, scaled to [-1, 1]); real clips
  are turned into the same spectrograms for D. ``sample`` gives waveforms, by Griffin-Lim.

Both sample waveforms ``(n, 16384)`` at the data's sample rate; previews are a grid of spectrograms
and a WAV file of 16 clips one after another (``samples/step_NNNNNNN.wav``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Mapping

import torch
from PIL import Image
from torch import Tensor

from ganforge.audio.io import write_wav
from ganforge.audio.pictures import concatenate_clips, spectrogram_grid, spread
from ganforge.audio.spectral import griffin_lim, stft_magnitude
from ganforge.errors import ConfigError
from ganforge.gans.base import GAN
from ganforge.gans.conditional import ConditionalGAN
from ganforge.gans.protocol import Preview

__all__ = ["SpecGAN", "WaveGAN", "SoundGAN"]

PREVIEW_CLIPS, PICTURE_CLIPS = 64, 16
SPEC_FFT, SPEC_HOP, SPEC_SIZE, SPEC_CLIP = 256, 128, 128, 3.0


class SoundGAN:
    """What the audio types share: the sample rate, pictures and files of clips (mixed into GAN classes)."""

    sample_rate: int = 16000
    media_suffix = ".wav"

    def picture_of(self, x: Tensor) -> Image.Image:
        """A grid of spectrograms of clips ``(n, samples)``."""
        return spectrogram_grid(x)

    def write_media(self, path: str | Path, x: Tensor) -> Path:
        """Clips ``(n, samples)`` one after another as one WAV file (16-bit)."""
        return write_wav(Path(path), concatenate_clips(x, self.sample_rate), self.sample_rate)

    @torch.no_grad()
    def preview(self, n: int | None = None, seed: int = 0, data: Any = None) -> Preview:
        """``n`` (64) clips from fixed noise; the picture and the WAV file hold 16 of them, spread over the
        batch (so over the classes of a conditional model)."""
        count = n or PREVIEW_CLIPS
        z = self.sample_latent(count, device=torch.device("cpu"), generator=torch.Generator().manual_seed(seed))
        x = self.sample(count, z=z)
        shown = x[spread(count, PICTURE_CLIPS)]
        return Preview(x, picture=self.picture_of(shown),
                       media=lambda stem: self.write_media(Path(f"{stem}{self.media_suffix}"), shown))


class WaveGAN(SoundGAN, GAN):
    """Unconditional WaveGAN: ``G(z)`` -> waveforms."""

    def __init__(self, generator, discriminator, latent_dim: int, *, sample_rate: int = 16000, **options) -> None:
        super().__init__(generator, discriminator, latent_dim, **options)
        self.sample_rate = sample_rate


class ConditionalWaveGAN(SoundGAN, ConditionalGAN):
    """Class-conditional WaveGAN: ``G(z, y)``, projection ``D(x, y)``."""

    def __init__(self, generator, discriminator, latent_dim: int, num_classes: int, *, sample_rate: int = 16000,
                 **options) -> None:
        super().__init__(generator, discriminator, latent_dim, num_classes, **options)
        self.sample_rate = sample_rate


class SpectrogramCodec:
    """Waveforms <-> SpecGAN's normalised log-magnitude spectrograms, with per-bin ``mean`` and ``std``."""

    def __init__(self, mean: Tensor, std: Tensor, length: int, iterations: int = 16) -> None:
        self.mean, self.std, self.length, self.iterations = mean.view(-1, 1), std.view(-1, 1), length, iterations

    @staticmethod
    def log_magnitude(x: Tensor) -> Tensor:
        """``log(|STFT| + 1e-6)`` cropped to 128 bins x 128 frames (Nyquist bin and last frame dropped)."""
        return torch.log(stft_magnitude(x.float(), SPEC_FFT, SPEC_HOP)[..., :SPEC_SIZE, :SPEC_SIZE] + 1e-6)

    @classmethod
    def fit(cls, clips: Tensor, length: int, iterations: int = 16) -> "SpectrogramCodec":
        logs = torch.cat([cls.log_magnitude(chunk) for chunk in clips.split(256)])
        return cls(logs.mean(dim=(0, 2)), logs.std(dim=(0, 2)).clamp_min(1e-3), length, iterations)

    def encode(self, x: Tensor) -> Tensor:
        z = (self.log_magnitude(x) - self.mean.to(x.device)) / self.std.to(x.device)
        return (z / SPEC_CLIP).clamp(-1, 1)

    def decode(self, spec: Tensor, generator: torch.Generator | None = None) -> Tensor:
        log = spec.float() * SPEC_CLIP * self.std.to(spec.device) + self.mean.to(spec.device)
        mag = torch.nn.functional.pad((log.exp() - 1e-6).clamp_min(0), (0, 1, 0, 1))  # back to 129 x 129
        return griffin_lim(mag, SPEC_FFT, SPEC_HOP, self.length, self.iterations, generator=generator).clamp(-1, 1)


class _SpecSampling:
    """SpecGAN's difference from WaveGAN: D sees spectrograms; ``sample`` inverts G's spectrograms."""

    codec: SpectrogramCodec

    def judge_input(self, x: Tensor, step: int) -> Tensor:
        return super().judge_input(self.codec.encode(x) if x.ndim == 2 else x, step)

    @torch.no_grad()
    def sample(self, n: int, *, spectrograms: bool = False, **kwargs: Any) -> Tensor:
        """Waveforms ``(n, length)`` by Griffin-Lim (seeded by ``generator`` when given), or G's normalised
        spectrograms ``(n, 128, 128)`` with ``spectrograms``."""
        spec = super().sample(n, **kwargs)
        if spectrograms:
            return spec
        g = kwargs.get("generator")
        seed = int(torch.randint(2**31 - 1, (1,), generator=g)) if g is not None else 0
        return self.codec.decode(spec, torch.Generator().manual_seed(seed))


class SpecGAN(_SpecSampling, WaveGAN):
    def __init__(self, generator, discriminator, latent_dim: int, codec: SpectrogramCodec, **options) -> None:
        super().__init__(generator, discriminator, latent_dim, **options)
        self.codec = codec


class ConditionalSpecGAN(_SpecSampling, ConditionalWaveGAN):
    def __init__(self, generator, discriminator, latent_dim: int, num_classes: int, codec: SpectrogramCodec,
                 **options) -> None:
        super().__init__(generator, discriminator, latent_dim, num_classes, **options)
        self.codec = codec


# -- registration ----------------------------------------------------------------------------------------
@dataclasses.dataclass
class WaveGANSection:
    """The ``wavegan:`` section of a config."""

    conditional: str = "auto"  # auto: class-conditional when the data has labels; yes; no
    phase_shuffle: int = 2  # D's phase shuffle: shifts of up to this many samples (0: off)


@dataclasses.dataclass
class SpecGANSection:
    """The ``specgan:`` section of a config."""

    conditional: str = "auto"  # auto: class-conditional when the data has labels; yes; no
    griffin_lim_iterations: int = 16  # phase-recovery iterations when sampling


def _check(config: Any, warn: bool) -> None:
    from ganforge.gans.types import _ignores_acgan_keys, _without_classes

    section = config.sections[config.gan.kind]
    if section.conditional not in ("auto", "yes", "no"):
        raise ConfigError(f"{config.gan.kind}.conditional must be auto, yes or no; got {section.conditional!r}")
    for key, low in (("phase_shuffle", 0), ("griffin_lim_iterations", 1)):
        if hasattr(section, key) and getattr(section, key) < low:
            raise ConfigError(f"{config.gan.kind}.{key} must be >= {low}; got {getattr(section, key)}")
    if config.gan.pack != 1:
        raise ConfigError(f"gan.pack applies to gan.kind=gan only; got gan.pack={config.gan.pack} with "
                          f"gan.kind={config.gan.kind}")
    if config.gan.num_classes is not None:
        _without_classes(config)
    _ignores_acgan_keys(config, warn)


def _audio_view(config: Any, dataset: Any) -> Any:
    from ganforge.audio.data import AudioDataset

    kind = config.gan.kind
    if not isinstance(dataset, AudioDataset):
        raise ConfigError(f"gan.kind={kind} needs audio (a folder of sound files, an .npz with 'audio', or "
                          f"spoken-digits); data set {dataset.name!r} is not audio")
    wanted = config.sections[kind].conditional
    if wanted == "yes" and dataset.labels is None:
        raise ConfigError(f"{kind}.conditional=yes but data set {dataset.name!r} has no labels (use sub-folders)")
    return dataset.with_labels() if dataset.labels is not None and wanted != "no" else dataset


def _audio_metadata(config: Any, dataset: Any) -> dict[str, Any]:
    meta = {"sample_shape": list(dataset.sample_shape), "sample_rate": int(dataset.sample_rate),
            "num_classes": dataset.num_classes if dataset.returns == "labels" else None,
            "class_names": list(dataset.class_names)}
    if config.gan.kind == "specgan":
        codec = SpectrogramCodec.fit(dataset.data[:2000], dataset.sample_shape[0])
        meta.update(spec_mean=codec.mean.flatten().tolist(), spec_std=codec.std.flatten().tolist())
    return meta


def _build(config: Any, metadata: Mapping[str, Any]) -> Any:
    from ganforge.gans.types import gan_options
    from ganforge.nets.wavegan import WaveDiscriminator, WaveGenerator

    kind, m = config.gan.kind, config.model
    (length,) = metadata["sample_shape"]
    classes = metadata.get("num_classes")
    spec = kind == "specgan"
    size, dims = (SPEC_SIZE, 2) if spec else (length, 1)
    width = m.width or 64
    shuffle = 0 if spec else config.sections[kind].phase_shuffle
    try:
        g = WaveGenerator(m.latent_dim, size, width, dims, classes)
        d = WaveDiscriminator(size, width, dims, classes, shuffle)
    except ValueError as exc:
        raise ConfigError(f"{kind}: {exc}") from None
    options = dict(gan_options(config), sample_rate=int(metadata.get("sample_rate", 16000)))
    args = (g, d, m.latent_dim) + ((classes,) if classes else ())
    if spec:
        codec = SpectrogramCodec(torch.tensor(metadata["spec_mean"]), torch.tensor(metadata["spec_std"]), length,
                                 config.sections[kind].griffin_lim_iterations)
        return (ConditionalSpecGAN if classes else SpecGAN)(*args, codec=codec, **options)
    return (ConditionalWaveGAN if classes else WaveGAN)(*args, **options)


def _register() -> None:
    from ganforge.registry import GAN_TYPES, GANType

    GAN_TYPES.register("wavegan", GANType(
        build=_build, check=_check, data_view=_audio_view, metadata=_audio_metadata, section=WaveGANSection,
        description="WaveGAN: waveforms from 1-D transposed convolutions, phase shuffle (Donahue et al. 2019)"))
    GAN_TYPES.register("specgan", GANType(
        build=_build, check=_check, data_view=_audio_view, metadata=_audio_metadata, section=SpecGANSection,
        description="SpecGAN: log-magnitude spectrograms, Griffin-Lim back to sound (Donahue et al. 2019)"))


_register()  # on import (the GAN_TYPES registry loads this module by name on its first use)
