"""Network architectures for ganforge: plain ``nn.Module`` generators and discriminators.

Use :func:`build_networks` to get a matching (generator, discriminator) pair
for a data shape, or instantiate the classes directly. The architectures ``model.arch`` names are
:class:`Architecture` records in :data:`ganforge.registry.NETWORKS`; a plug-in registers its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import nn

from ganforge.registry import NETWORKS

from .dcgan import DCGAN_SIZES, DCGANDiscriminator, DCGANGenerator
from .layers import (
    NORM_KINDS,
    MinibatchStd,
    ResBlockDown,
    ResBlockUp,
    check_norm,
    maybe_spectral_norm,
    norm_layer,
)
from .mlp import MLPDiscriminator, MLPGenerator
from .resnet import RESNET_SIZES, ResNetDiscriminator, ResNetGenerator

__all__ = [
    "Architecture",
    "DCGAN_SIZES",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "MLPDiscriminator",
    "MLPGenerator",
    "MinibatchStd",
    "NORM_KINDS",
    "RESNET_SIZES",
    "ResBlockDown",
    "ResBlockUp",
    "ResNetDiscriminator",
    "ResNetGenerator",
    "build_networks",
    "check_norm",
    "maybe_spectral_norm",
    "norm_layer",
    "unwrap",
]

@dataclass(frozen=True)
class Architecture:
    """A family of (generator, discriminator) networks, registered in :data:`ganforge.registry.NETWORKS` under the
    name ``model.arch`` gives.

    ``build(data_shape, latent_dim, *, g_width, d_width, depth, g_norm, d_norm, spectral_norm, g_spectral_norm,
    minibatch_std, pack) -> (G, D)`` gets the settings :func:`build_networks` completed with ``defaults``
    (G width, D width, G norm, D norm) and raises ValueError for a data shape it cannot handle.
    """

    generator: type[nn.Module]
    discriminator: type[nn.Module]
    build: Callable[..., tuple[nn.Module, nn.Module]]
    defaults: tuple[int, int, str, str]
    description: str = ""


def _build_mlp(shape: tuple[int, ...], latent_dim: int, *, g_width: int, d_width: int, depth: int, g_norm: str,
               d_norm: str, spectral_norm: bool, g_spectral_norm: bool, minibatch_std: bool,
               pack: int) -> tuple[nn.Module, nn.Module]:
    if len(shape) != 1:
        raise ValueError(f"arch 'mlp' needs 1-D samples (dim,), got data_shape={shape}; "
                         "use 'dcgan' or 'resnet' for (C, H, W) images")
    (dim,) = shape
    gen = MLPGenerator(latent_dim, dim, hidden=g_width, depth=depth, norm=g_norm, spectral_norm=g_spectral_norm)
    disc = MLPDiscriminator(pack * dim, hidden=d_width, depth=depth, norm=d_norm, spectral_norm=spectral_norm,
                            minibatch_std=minibatch_std)
    return gen, disc


def _image_builder(arch: str, g_cls: type[nn.Module], d_cls: type[nn.Module]) -> Callable[..., tuple[nn.Module, nn.Module]]:
    def build(shape: tuple[int, ...], latent_dim: int, *, g_width: int, d_width: int, depth: int, g_norm: str,
              d_norm: str, spectral_norm: bool, g_spectral_norm: bool, minibatch_std: bool,
              pack: int) -> tuple[nn.Module, nn.Module]:
        if len(shape) != 3 or shape[1] != shape[2]:
            raise ValueError(f"arch {arch!r} needs square image samples (C, H, W) with H == W, got "
                             f"data_shape={shape}; use 'mlp' for 1-D samples (dim,)")
        channels, size, _ = shape
        gen = g_cls(latent_dim=latent_dim, image_size=size, channels=channels, width=g_width, norm=g_norm,
                    spectral_norm=g_spectral_norm)
        disc = d_cls(image_size=size, channels=pack * channels, width=d_width, norm=d_norm,
                     spectral_norm=spectral_norm, minibatch_std=minibatch_std)
        return gen, disc

    return build


NETWORKS.register("mlp", Architecture(MLPGenerator, MLPDiscriminator, _build_mlp, (256, 256, "none", "none"),
                                      "multi-layer perceptrons, for vectors (dim,)"))
NETWORKS.register("dcgan", Architecture(DCGANGenerator, DCGANDiscriminator,
                                        _image_builder("dcgan", DCGANGenerator, DCGANDiscriminator),
                                        (64, 64, "batch", "batch"), "DCGAN, for square images of 8-64 px"))
NETWORKS.register("resnet", Architecture(ResNetGenerator, ResNetDiscriminator,
                                         _image_builder("resnet", ResNetGenerator, ResNetDiscriminator),
                                         (256, 128, "batch", "none"), "SN-GAN's ResNet, for 32 px images"))


def build_networks(
    arch: str,
    *,
    data_shape: tuple[int, ...],
    latent_dim: int,
    width: int | None = None,
    depth: int = 3,
    g_norm: str | None = None,
    d_norm: str | None = None,
    spectral_norm: bool = False,
    g_spectral_norm: bool = False,
    minibatch_std: bool = False,
    pack: int = 1,
) -> tuple[nn.Module, nn.Module]:
    """Build a ``(generator, discriminator)`` pair for samples of shape ``data_shape``.

    Args:
        arch: a name of :data:`ganforge.registry.NETWORKS`: ``"mlp"`` (needs ``data_shape=(dim,)``),
            ``"dcgan"`` or ``"resnet"`` (need ``data_shape=(C, H, W)`` with ``H == W``), or one a plug-in
            registered.
        data_shape: shape of ONE sample, without the batch axis.
        latent_dim: size of the generator's input vector.
        width: MLP hidden size / conv base width for both networks;
            ``None`` uses the architecture defaults (mlp 256/256, dcgan 64/64,
            resnet G 256 / D 128).
        depth: number of hidden layers (mlp only; ignored otherwise).
        g_norm, d_norm: norm kinds; ``None`` uses the defaults (mlp none/none,
            dcgan batch/batch, resnet batch/none).
        spectral_norm: spectral norm in the discriminator (passed as given,
            so the resnet discriminator has none unless this is True).
        g_spectral_norm: spectral norm in the generator.
        minibatch_std: add a :class:`MinibatchStd` layer to the discriminator.
        pack: PacGAN packing degree; the discriminator takes ``pack * dim``
            features (mlp) or ``pack * C`` channels (images). The generator
            is unaffected.

    Raises:
        ValueError: unknown ``arch`` (a ConfigError naming the closest one), a data shape the arch cannot
            handle, unsupported image size, unknown norm kind, or ``pack < 1``.
    """
    architecture = NETWORKS.get(arch)
    shape = tuple(int(s) for s in data_shape)
    if not isinstance(pack, int) or pack < 1:
        raise ValueError(f"pack must be an integer >= 1, got {pack!r}")
    g_width, d_width, g_def, d_def = architecture.defaults
    if width is not None:
        g_width = d_width = width
    return architecture.build(shape, latent_dim, g_width=g_width, d_width=d_width, depth=depth,
                              g_norm=g_def if g_norm is None else check_norm(g_norm),
                              d_norm=d_def if d_norm is None else check_norm(d_norm), spectral_norm=spectral_norm,
                              g_spectral_norm=g_spectral_norm, minibatch_std=minibatch_std, pack=pack)


def unwrap(module: nn.Module) -> nn.Module:
    """Strip DataParallel / DistributedDataParallel (``.module``) and ``torch.compile``
    (``._orig_mod``) wrappers, however nested, and return the underlying module."""
    from torch.nn.parallel import DataParallel, DistributedDataParallel

    try:
        from torch._dynamo.eval_frame import OptimizedModule
    except Exception:  # pragma: no cover - torch builds without dynamo
        OptimizedModule = ()  # type: ignore[assignment]
    while True:
        if isinstance(module, (DataParallel, DistributedDataParallel)):
            module = module.module
        elif OptimizedModule and isinstance(module, OptimizedModule):
            module = module._orig_mod
        else:
            return module
