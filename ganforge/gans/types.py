"""The built-in GAN types, registered in :data:`ganforge.registry.GAN_TYPES` under their ``gan.kind``.

Each record says how the type checks its config, which data view it trains on, what it stores to be
rebuilt and how it builds itself; this is the one place that knows the built-in types by name.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Mapping

from ganforge.errors import ConfigError, ConfigWarning
from ganforge.registry import GAN_TYPES, GANType

__all__ = ["CLASS_CONDITIONAL", "DAGANSection", "gan_options"]

#: The class-conditional types: G(z, label), trained on labelled data.
CLASS_CONDITIONAL = {"cgan": "concat", "acgan": "auxiliary", "projection": "projection"}


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def gan_options(config: Any) -> dict[str, Any]:
    """The options every type's constructor takes (those of :class:`ganforge.gans.GAN`)."""
    g = config.gan
    return dict(loss=g.loss, penalty=g.penalty, penalty_weight=g.penalty_weight, n_critic=g.n_critic,
                label_smoothing=g.label_smoothing, instance_noise=g.instance_noise,
                instance_noise_steps=g.instance_noise_steps, augment=g.augment or None, pack=g.pack,
                mode_seeking=g.mode_seeking)


def _nets(config: Any, metadata: Mapping[str, Any]) -> dict[str, Any]:
    m = config.model
    return dict(data_shape=tuple(metadata["sample_shape"]), latent_dim=m.latent_dim, width=m.width, g_norm=m.g_norm,
                d_norm=m.d_norm, spectral_norm=m.spectral_norm, g_spectral_norm=m.g_spectral_norm,
                minibatch_std=m.minibatch_std)


def _building(make: Any) -> Any:
    """``make(config, metadata)`` with the networks' own ValueErrors turned into ConfigErrors."""
    def build(config: Any, metadata: Mapping[str, Any]) -> Any:
        shape = tuple(metadata["sample_shape"])
        if config.gan.augment and len(shape) != 3:
            raise ConfigError(f"gan.augment ({config.gan.augment}) applies to images; data samples have shape {shape}")
        try:
            return make(config, metadata)
        except ValueError as exc:
            raise ConfigError(f"model: {exc}") from None
    return build


def _warn_penalty_with_batch_norm(config: Any, warn: bool) -> None:
    """The gradient penalty with batch norm in a D built from ``model.arch`` (its default norm, or d_norm)."""
    from ganforge.registry import NETWORKS

    m = config.model
    if warn and config.gan.penalty == "gradient_penalty" and (m.d_norm or NETWORKS.get(m.arch).defaults[3]) == "batch":
        warnings.warn("gan.penalty=gradient_penalty with batch norm in D: the per-sample penalty assumes "
                      "samples are judged independently; set model.d_norm=instance or none", ConfigWarning,
                      stacklevel=4)


def _ignores_acgan_keys(config: Any, warn: bool) -> None:
    g = config.gan
    if warn and g.aux_fake:
        warnings.warn(f"gan.aux_fake is set but gan.kind={g.kind}: it applies to acgan only", ConfigWarning,
                      stacklevel=4)
    if warn and g.aux_weight != type(g).aux_weight:
        warnings.warn(f"gan.aux_weight is set but gan.kind={g.kind}: it applies to acgan only", ConfigWarning,
                      stacklevel=4)


def _without_classes(config: Any) -> None:
    g = config.gan
    _require(g.num_classes is None, f"gan.num_classes applies to gan.kind {', '.join(CLASS_CONDITIONAL)}; "
                                    f"got gan.kind={g.kind}")


def _dcgan_unpacked(config: Any) -> None:
    g, m = config.gan, config.model
    _require(m.arch == "dcgan", f"gan.kind={g.kind} builds DCGAN-style networks: set model.arch=dcgan (got {m.arch})")
    _require(g.pack == 1, f"gan.pack applies to gan.kind=gan only (packing would mix classes or pairs); "
                          f"got gan.pack={g.pack} with gan.kind={g.kind}")


def _labelled_images(config: Any, dataset: Any, partners: bool = False) -> Any:
    kind = config.gan.kind
    if dataset.modality != "image":
        raise ConfigError(f"gan.kind={kind} needs images; data set {dataset.name!r} holds vectors of shape "
                          f"{dataset.sample_shape}")
    from ganforge.data import DataError

    try:
        return dataset.with_labels(partners=partners)
    except DataError as exc:
        raise ConfigError(f"gan.kind={kind}: {exc}") from None


# -- gan: the unconditional GAN ----------------------------------------------------------------------
def _check_gan(config: Any, warn: bool) -> None:
    _warn_penalty_with_batch_norm(config, warn)
    _without_classes(config)
    _ignores_acgan_keys(config, warn)


@_building
def _build_gan(config: Any, metadata: Mapping[str, Any]) -> Any:
    from ganforge.gans.base import GAN
    from ganforge.nets import build_networks

    m = config.model
    generator, discriminator = build_networks(m.arch, depth=m.depth, pack=config.gan.pack, **_nets(config, metadata))
    return GAN(generator, discriminator, m.latent_dim, **gan_options(config))


GAN_TYPES.register("gan", GANType(build=_build_gan, check=_check_gan,
                                  description="unconditional: G(z), on any data (images, points)"))


# -- cgan, acgan, projection: class-conditional ------------------------------------------------------
def _check_conditional(config: Any, warn: bool) -> None:
    g = config.gan
    _warn_penalty_with_batch_norm(config, warn)
    _dcgan_unpacked(config)
    _require(g.num_classes is None or g.num_classes >= 2, f"gan.num_classes must be >= 2; got {g.num_classes}")
    if g.kind != "acgan":
        _ignores_acgan_keys(config, warn)


def _classes(config: Any, dataset: Any) -> dict[str, Any]:
    found, wanted = dataset.num_classes, config.gan.num_classes
    if wanted is not None and wanted < found:
        raise ConfigError(f"gan.num_classes={wanted} but data set {dataset.name!r} has labels up to {found - 1}")
    return {"sample_shape": list(dataset.sample_shape), "num_classes": wanted or found}


@_building
def _build_conditional(config: Any, metadata: Mapping[str, Any]) -> Any:
    from ganforge.gans.conditional import ACGAN, ConditionalGAN
    from ganforge.nets.conditional import build_conditional_networks

    g, num_classes = config.gan, metadata.get("num_classes")
    if num_classes is None:
        raise ConfigError(f"gan.kind={g.kind} needs the number of classes (from the data's labels or gan.num_classes)")
    generator, discriminator = build_conditional_networks(CLASS_CONDITIONAL[g.kind], num_classes=num_classes,
                                                          **_nets(config, metadata))
    if g.kind == "acgan":
        return ACGAN(generator, discriminator, config.model.latent_dim, num_classes, aux_weight=g.aux_weight,
                     aux_fake=g.aux_fake, **gan_options(config))
    return ConditionalGAN(generator, discriminator, config.model.latent_dim, num_classes, **gan_options(config))


for _kind, _what in [("cgan", "class-conditional, label concatenated (Mirza & Osindero 2014)"),
                     ("acgan", "auxiliary-classifier GAN (Odena et al. 2017)"),
                     ("projection", "projection discriminator (Miyato & Koyama 2018)")]:
    GAN_TYPES.register(_kind, GANType(build=_build_conditional, check=_check_conditional,
                                      data_view=_labelled_images, metadata=_classes, description=_what))


# -- dagan: variations of a given image ----------------------------------------------------------------
@dataclass
class DAGANSection:
    """The ``dagan:`` section."""

    # weight of the mean absolute difference between G(x, z) and its source x in G's loss: holds the
    # variations near their source (deformations rather than other images of the class); 0: off
    reconstruction: float = 0.0


def _check_dagan(config: Any, warn: bool) -> None:
    g = config.gan
    r = config.sections["dagan"].reconstruction
    _require(isinstance(r, (int, float)) and not isinstance(r, bool) and r >= 0,
             f"dagan.reconstruction must be a number >= 0; got {r!r}")
    _warn_penalty_with_batch_norm(config, warn)
    _dcgan_unpacked(config)
    _without_classes(config)
    _require(not g.mode_seeking, "gan.mode_seeking does not apply to gan.kind=dagan (it pairs fakes of one class "
                                 "label; DAGAN conditions on images)")
    _require(not g.augment, "gan.augment does not apply to gan.kind=dagan (its discriminator judges pairs of images)")
    _ignores_acgan_keys(config, warn)


@_building
def _build_dagan(config: Any, metadata: Mapping[str, Any]) -> Any:
    from ganforge.gans.dagan import DAGAN
    from ganforge.nets.dagan import build_dagan_networks

    return DAGAN(*build_dagan_networks(**_nets(config, metadata)), config.model.latent_dim,
                 reconstruction=float(config.sections["dagan"].reconstruction), **gan_options(config))


GAN_TYPES.register("dagan", GANType(
    build=_build_dagan, check=_check_dagan, data_view=lambda config, ds: _labelled_images(config, ds, partners=True),
    section=DAGANSection,
    description="G(image, z): variations of a given image (Antoniou et al. 2017)"))


