"""Network architectures for ganforge: plain ``nn.Module`` generators and discriminators.

Use :func:`build_networks` to get a matching (generator, discriminator) pair
for a data shape, or instantiate the classes directly.
"""

from __future__ import annotations

from torch import nn

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
    "ARCHITECTURES",
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

#: Architecture name -> (generator class, discriminator class).
ARCHITECTURES: dict[str, tuple[type[nn.Module], type[nn.Module]]] = {
    "mlp": (MLPGenerator, MLPDiscriminator),
    "dcgan": (DCGANGenerator, DCGANDiscriminator),
    "resnet": (ResNetGenerator, ResNetDiscriminator),
}

# Per-architecture defaults used when build_networks gets None: (G width, D width, G norm, D norm).
_DEFAULTS: dict[str, tuple[int, int, str, str]] = {
    "mlp": (256, 256, "none", "none"),
    "dcgan": (64, 64, "batch", "batch"),
    "resnet": (256, 128, "batch", "none"),
}


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
        arch: ``"mlp"`` (needs ``data_shape=(dim,)``), ``"dcgan"`` or
            ``"resnet"`` (need ``data_shape=(C, H, W)`` with ``H == W``).
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
        ValueError: unknown ``arch``, a data shape the arch cannot handle,
            unsupported image size, unknown norm kind, or ``pack < 1``.
    """
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown arch {arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    shape = tuple(int(s) for s in data_shape)
    if not isinstance(pack, int) or pack < 1:
        raise ValueError(f"pack must be an integer >= 1, got {pack!r}")
    g_width, d_width, g_def, d_def = _DEFAULTS[arch]
    if width is not None:
        g_width = d_width = width
    g_norm = g_def if g_norm is None else check_norm(g_norm)
    d_norm = d_def if d_norm is None else check_norm(d_norm)
    g_cls, d_cls = ARCHITECTURES[arch]

    if arch == "mlp":
        if len(shape) != 1:
            raise ValueError(
                f"arch 'mlp' needs 1-D samples (dim,), got data_shape={shape}; "
                "use 'dcgan' or 'resnet' for (C, H, W) images"
            )
        (dim,) = shape
        gen = g_cls(latent_dim, dim, hidden=g_width, depth=depth, norm=g_norm, spectral_norm=g_spectral_norm)
        disc = d_cls(
            pack * dim, hidden=d_width, depth=depth, norm=d_norm,
            spectral_norm=spectral_norm, minibatch_std=minibatch_std,
        )
        return gen, disc

    if len(shape) != 3 or shape[1] != shape[2]:
        raise ValueError(
            f"arch {arch!r} needs square image samples (C, H, W) with H == W, got data_shape={shape}; "
            "use 'mlp' for 1-D samples (dim,)"
        )
    channels, size, _ = shape
    gen = g_cls(
        latent_dim=latent_dim, image_size=size, channels=channels, width=g_width,
        norm=g_norm, spectral_norm=g_spectral_norm,
    )
    disc = d_cls(
        image_size=size, channels=pack * channels, width=d_width, norm=d_norm,
        spectral_norm=spectral_norm, minibatch_std=minibatch_std,
    )
    return gen, disc


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
