"""Feature extractors for evaluation, all usable offline: digit classifiers, Inception-v3, your own.

:func:`get_extractor` turns a name, a path or a module into a :class:`FeatureExtractor`:

=================  ====================================================================
``digits``         the shipped digits classifier that fits the images (28x28 or 8x8)
``digits28``       MNIST-size classifier (shipped weights); ``digits8`` the 8x8 one
``inception``      Inception-v3, FID variant (weights found as in :mod:`.inception`)
``identity``       vectors as their own features (tables, 2-D mixtures)
``spoken_digits``  the shipped spoken-digit classifier, for 16 kHz audio clips (:mod:`.speech`)
``auto``           spoken_digits for the built-in spoken-digits sets; identity for other vectors; digits for the built-in ``mnist`` and ``digits`` data sets
                   (``data_source``); Inception for other images when its weights are found,
                   else a ConfigError that lists the choices
a path             a TorchScript feature network (``torch.jit.save``), see :class:`ModuleExtractor`;
                   e.g. one trained on your own data by ``ganforge features train`` (:mod:`.train`).
                   Loading a TorchScript file runs the program it holds: use only files you trust
an nn.Module or a callable                  wrapped in :class:`ModuleExtractor`
=================  ====================================================================

The names are those of :data:`ganforge.registry.FEATURE_EXTRACTORS` (each a factory taking
``sample_shape``, ``device``, ``precision``, ``inception_weights`` and ``data_source``); a plug-in
registers its own there.

``auto`` never guesses from the shape alone: a digits CNN asked about grey photographs of 28x28
pixels gives FIDs and precisions that mean nothing, and a class agreement that asks it which digit
a picture of a shoe is.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any, Sequence

import torch
from torch import nn

from ganforge.errors import ConfigError
from ganforge.registry import FEATURE_EXTRACTORS
from ganforge.features.base import (
    FeatureExtractor,
    Features,
    IdentityExtractor,
    ModuleExtractor,
    as_samples,
    tensor_fingerprint,
    to_pixel_levels,
)

__all__ = ["FeatureExtractor", "Features", "IdentityExtractor", "ModuleExtractor", "as_samples",
           "get_extractor", "tensor_fingerprint", "to_pixel_levels"]

DIGIT_SOURCES = ("mnist", "digits")  # the built-in data sets the digits CNNs were trained on
SPEECH_SOURCES = ("spoken-digits", "spoken-digits-test")  # the spoken-digit classifier's data sets
METADATA_FILE = "ganforge.json"  # the extra file of a TorchScript extractor that describes it


def get_extractor(spec: Any = "auto", *, sample_shape: Sequence[int] | None = None,
                  device: str | torch.device = "cpu", precision: str = "auto",
                  inception_weights: str | os.PathLike | None = None,
                  data_source: str | os.PathLike | None = None) -> FeatureExtractor:
    """The extractor that ``spec`` names (see the module docstring) for samples of ``sample_shape``
    from ``data_source`` (a built-in data set's name or a path; it decides ``auto`` for images).

    A name is looked up in :data:`ganforge.registry.FEATURE_EXTRACTORS`; a name it does not hold is the
    path of a TorchScript file. Raises ConfigError for an unknown name or an unreadable path (naming the
    closest name and listing the choices), and for ``auto`` on images that are not a built-in digits set
    when no Inception weights are found.
    """
    if isinstance(spec, FeatureExtractor):
        return spec.to(device)
    if isinstance(spec, nn.Module) or (callable(spec) and not isinstance(spec, (str, os.PathLike))):
        return ModuleExtractor(spec, device=device, precision=precision)
    if not isinstance(spec, (str, os.PathLike)):
        raise ConfigError(f"a feature extractor is a name, a path, a module or a callable; got {type(spec).__name__}")
    name = os.fspath(spec)
    make = FEATURE_EXTRACTORS.get(name, None)
    if make is not None:
        return make(sample_shape=tuple(sample_shape) if sample_shape is not None else None, device=device,
                    precision=precision, inception_weights=inception_weights, data_source=data_source)
    path = Path(name).expanduser()
    if path.is_file():
        return _torchscript_extractor(path, device, precision)
    raise FEATURE_EXTRACTORS.unknown(name, ", or the path of a TorchScript feature network")


# -- the built-in extractors: make(sample_shape=, device=, precision=, inception_weights=, data_source=) ---------
@FEATURE_EXTRACTORS.register("auto")
def _auto(*, sample_shape: tuple[int, ...] | None, data_source: Any, **how: Any) -> FeatureExtractor:
    """spoken_digits for the built-in spoken digits; identity for other vectors; digits for the built-in digits
    data sets; else Inception (or the choices)."""
    if data_source is not None and os.fspath(data_source) in SPEECH_SOURCES:  # clips are vectors too: first
        return FEATURE_EXTRACTORS.get("spoken_digits")(sample_shape=sample_shape, data_source=data_source, **how)
    if sample_shape is not None and len(sample_shape) == 1:
        return FEATURE_EXTRACTORS.get("identity")(sample_shape=sample_shape, data_source=data_source, **how)
    if data_source is not None and os.fspath(data_source) in DIGIT_SOURCES:
        return FEATURE_EXTRACTORS.get("digits")(sample_shape=sample_shape, data_source=data_source, **how)
    return _auto_inception(sample_shape, data_source, how["device"], how["precision"], how["inception_weights"])


@FEATURE_EXTRACTORS.register("digits")
def _digits(*, sample_shape: tuple[int, ...] | None, **how: Any) -> FeatureExtractor:
    """The digits CNN that fits the images: 8x8 for images up to 16 px, else 28x28."""
    small = sample_shape is not None and len(sample_shape) == 3 and max(sample_shape[1:]) <= 16
    return FEATURE_EXTRACTORS.get("digits8" if small else "digits28")(sample_shape=sample_shape, **how)


def _digits_of_size(size: int) -> Any:
    def make(*, device: Any, precision: str, **_: Any) -> FeatureExtractor:
        from ganforge.features.digits import DigitsExtractor

        return DigitsExtractor(size, device=device, precision=precision)

    return make


FEATURE_EXTRACTORS.register("digits28", _digits_of_size(28))
FEATURE_EXTRACTORS.register("digits8", _digits_of_size(8))


@FEATURE_EXTRACTORS.register("inception")
def _inception(*, device: Any, precision: str, inception_weights: Any, **_: Any) -> FeatureExtractor:
    from ganforge.features.inception import InceptionExtractor

    return InceptionExtractor(inception_weights, device=device, precision=precision)


@FEATURE_EXTRACTORS.register("spoken_digits")
def _spoken_digits(*, device: Any, precision: str, **_: Any) -> FeatureExtractor:
    """Audio clips at 16 kHz: the shipped spoken-digit classifier (:mod:`ganforge.features.speech`)."""
    from ganforge.features.speech import SpokenDigitsExtractor

    return SpokenDigitsExtractor(device=device, precision=precision)


@FEATURE_EXTRACTORS.register("identity")
def _identity(*, device: Any, **_: Any) -> FeatureExtractor:
    return IdentityExtractor(device)


def _auto_inception(shape: tuple[int, ...] | None, data_source: Any, device: Any, precision: str,
                    inception_weights: Any) -> FeatureExtractor:
    """Inception for ``auto`` on images that are not a built-in digits set; without weights, the choices."""
    from ganforge.features.inception import ENV_WEIGHTS, HOW_TO_GET, InceptionExtractor, InceptionWeightsError

    try:
        return InceptionExtractor(inception_weights, device=device, precision=precision)
    except InceptionWeightsError:
        if inception_weights or os.environ.get(ENV_WEIGHTS):
            raise  # the weights the user named are wrong: say that, not "none found"
        what = "images" + (f" of shape {shape}" if shape else "")
        if data_source is not None:
            what += f" from {os.fspath(data_source)!r}"
        ways = [f"      {line}" for line in HOW_TO_GET.splitlines()[1:] if not line.startswith("Offline")]
        raise ConfigError("\n".join([
            f"features auto: no feature extractor is known to suit {what}: the digits CNNs are chosen only for "
            f"the built-in {' and '.join(DIGIT_SOURCES)} data sets, and no Inception-v3 weights were found. Choose:",
            "  --features PATH       an extractor trained on your own data, made by",
            "                        `ganforge features train DATA [--labels FILE] --out extractor.pt`",
            "                        (a classifier when labels are given, which cond_acc uses; else self-supervised)",
            "  --features inception  once its weights are found:", *ways,
            "  --features digits     only if your images are handwritten digits"])) from None


def _torchscript_extractor(path: Path, device: Any, precision: str) -> ModuleExtractor:
    if not zipfile.is_zipfile(path):
        raise ConfigError(f"--features {path}: not a TorchScript file (save your network with torch.jit.save)")
    extra = {METADATA_FILE: ""}
    try:
        module = torch.jit.load(str(path), map_location="cpu", _extra_files=extra)
    except Exception as exc:  # torch raises RuntimeError and others for foreign archives
        raise ConfigError(f"--features {path}: cannot load it as TorchScript: {exc}") from None
    ext = ModuleExtractor(module, name=f"{path.stem}-{tensor_fingerprint(module)[:8]}", device=device,
                          precision=precision)
    try:
        ext.metadata = json.loads(extra[METADATA_FILE]) if extra[METADATA_FILE] else {}
    except (ValueError, UnicodeDecodeError):
        ext.metadata = {}
    return ext

