"""Feature extractors for evaluation, all usable offline: digit classifiers, Inception-v3, your own.

:func:`get_extractor` turns a name, a path or a module into a :class:`FeatureExtractor`:

=================  ====================================================================
``digits``         the shipped digits classifier that fits the images (28x28 or 8x8)
``digits28``       MNIST-size classifier (shipped weights); ``digits8`` the 8x8 one
``inception``      Inception-v3, FID variant (weights found as in :mod:`.inception`)
``identity``       vectors as their own features (tables, 2-D mixtures)
``auto``           identity for vectors, digits for grey 28x28 / 8x8 images, else inception
a path             a TorchScript feature network (``torch.jit.save``), see :class:`ModuleExtractor`
an nn.Module or a callable                  wrapped in :class:`ModuleExtractor`
=================  ====================================================================
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any, Sequence

import torch
from torch import nn

from ganforge.config import ConfigError
from ganforge.features.base import (
    FeatureExtractor,
    Features,
    IdentityExtractor,
    ModuleExtractor,
    as_samples,
    tensor_fingerprint,
    to_pixel_levels,
)

__all__ = ["EXTRACTORS", "FeatureExtractor", "Features", "IdentityExtractor", "ModuleExtractor", "as_samples",
           "get_extractor", "tensor_fingerprint", "to_pixel_levels"]

EXTRACTORS = ("auto", "digits", "digits28", "digits8", "inception", "identity")


def get_extractor(spec: Any = "auto", *, sample_shape: Sequence[int] | None = None,
                  device: str | torch.device = "cpu", precision: str = "auto",
                  inception_weights: str | os.PathLike | None = None) -> FeatureExtractor:
    """The extractor that ``spec`` names (see the module docstring) for samples of ``sample_shape``.

    Raises ConfigError for an unknown name or an unreadable path (listing the choices).
    """
    if isinstance(spec, FeatureExtractor):
        return spec.to(device)
    if isinstance(spec, nn.Module) or (callable(spec) and not isinstance(spec, (str, os.PathLike))):
        return ModuleExtractor(spec, device=device, precision=precision)
    if not isinstance(spec, (str, os.PathLike)):
        raise ConfigError(f"a feature extractor is a name, a path, a module or a callable; got {type(spec).__name__}")
    name = os.fspath(spec)
    shape = tuple(sample_shape) if sample_shape is not None else None
    if name == "auto":
        if shape is not None and len(shape) == 1:
            name = "identity"
        elif shape is not None and len(shape) == 3 and shape[0] == 1 and shape[1:] in ((28, 28), (8, 8)):
            name = "digits"
        else:
            name = "inception"
    if name == "digits":
        size = 8 if shape is not None and len(shape) == 3 and max(shape[1:]) <= 16 else 28
        name = f"digits{size}"
    if name in ("digits28", "digits8"):
        from ganforge.features.digits import DigitsExtractor

        return DigitsExtractor(int(name[6:]), device=device, precision=precision)
    if name == "inception":
        from ganforge.features.inception import InceptionExtractor

        return InceptionExtractor(inception_weights, device=device, precision=precision)
    if name == "identity":
        return IdentityExtractor(device)
    path = Path(name).expanduser()
    if path.is_file():
        return _torchscript_extractor(path, device, precision)
    raise ConfigError(f"unknown feature extractor {name!r}: choose {', '.join(EXTRACTORS)}, "
                      "or give the path of a TorchScript feature network")


def _torchscript_extractor(path: Path, device: Any, precision: str) -> ModuleExtractor:
    if not zipfile.is_zipfile(path):
        raise ConfigError(f"--features {path}: not a TorchScript file (save your network with torch.jit.save)")
    try:
        module = torch.jit.load(str(path), map_location="cpu")
    except Exception as exc:  # torch raises RuntimeError and others for foreign archives
        raise ConfigError(f"--features {path}: cannot load it as TorchScript: {exc}") from None
    return ModuleExtractor(module, name=f"{path.stem}-{tensor_fingerprint(module)[:8]}", device=device,
                           precision=precision)

