"""Registries: names a user writes in a config, mapped to what they stand for, with did-you-mean errors.

One mechanism, :class:`Registry`, for every sort of name:

===========================  ==================  =================================================================
registry                     named by            entries (registered in)
===========================  ==================  =================================================================
:data:`GAN_TYPES`            ``gan.kind``        :class:`GANType` (``gans/types.py``, ``tabular/gan_type.py``)
:data:`NETWORKS`             ``model.arch``      ``nets.Architecture`` (``nets/__init__.py``)
:data:`LOSSES`               ``gan.loss``        ``losses.AdversarialLoss`` (``losses.py``)
:data:`FEATURE_EXTRACTORS`   ``eval.features``   a factory of a ``FeatureExtractor`` (``features/__init__.py``)
:data:`METRICS`              ``eval.metrics``    a metric function (the modules of ``metrics/``, via ``metrics.register``)
===========================  ==================  =================================================================

Each registry imports the module(s) of its built-in entries on its first lookup, by name, so importing
this module stays light and the layers stay ordered (the registry sits at the bottom).

:data:`GAN_TYPES` maps ``gan.kind`` to a :class:`GANType`: everything the library knows about a GAN
type lives in its record (how it checks its config, which view of the data it trains on, what it
stores to be rebuilt, how it builds itself), so no other file switches on the type. A plug-in
registers its own::

    from ganforge.registry import GAN_TYPES, GANType
    GAN_TYPES.register("bigan", GANType(build=build_bigan, check=check_bigan, description="..."))
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence, TypeVar

from ganforge.errors import ConfigError

__all__ = ["FEATURE_EXTRACTORS", "GANType", "GAN_TYPES", "LOSSES", "METRICS", "NETWORKS", "Registry"]

T = TypeVar("T")
_REQUIRED = object()


class Registry(Mapping[str, T]):
    """Named entries of one sort (``what``, e.g. "GAN type"), read-only as a mapping; ``key`` is the config key
    (or option) that names them, used in error messages. ``loader`` names the module(s) imported before the
    first lookup, where the built-in entries register (so that importing this module stays light)."""

    def __init__(self, what: str, key: str, loader: str | Sequence[str] | None = None) -> None:
        self.what, self.key = what, key
        self._loaders = [loader] if isinstance(loader, str) else list(loader or ())
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T | None = None, *, replace: bool = False) -> Any:
        """Add ``entry`` under ``name`` (or decorate: ``@registry.register("name")``); a name taken by
        another entry is refused unless ``replace``."""
        def add(item: T) -> T:
            if not replace and self._entries.get(name, item) is not item:
                raise ValueError(f"{self.what} {name!r} is already registered")
            self._entries[name] = item
            return item

        return add if entry is None else add(entry)

    def unregister(self, name: str) -> None:
        """Remove ``name`` (a plug-in's clean-up)."""
        self._entries.pop(name, None)

    def get(self, name: str, default: Any = _REQUIRED) -> Any:  # type: ignore[override]
        """The entry of ``name``; an unknown name is ``default`` when one is given, else a ConfigError naming
        the closest known one (:meth:`unknown`)."""
        self._load()
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            if default is not _REQUIRED:
                return default
            raise self.unknown(name) from None

    def unknown(self, name: Any, alternatives: str = "") -> ConfigError:
        """The error for an unknown ``name``: the closest known one, then every choice (and ``alternatives``,
        e.g. "or the path of a TorchScript file")."""
        close = difflib.get_close_matches(str(name), self.names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return ConfigError(f"{self.key}: unknown {self.what} {name!r}{hint}; choose from "
                           f"{', '.join(self.names())}{alternatives}")

    def names(self) -> list[str]:
        self._load()
        return list(self._entries)

    def __getitem__(self, name: str) -> T:
        self._load()
        return self._entries[name]

    def __len__(self) -> int:
        self._load()
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __repr__(self) -> str:
        return f"Registry({self.what!r}: {', '.join(self.names())})"

    def _load(self) -> None:
        while self._loaders:
            importlib.import_module(self._loaders.pop(0))


def _no_check(config: Any, warn: bool) -> None:
    return None


def _the_data(config: Any, dataset: Any) -> Any:
    return dataset


def _sample_shape(config: Any, dataset: Any) -> dict[str, Any]:
    return {"sample_shape": list(dataset.sample_shape)}


@dataclass(frozen=True)
class GANType:
    """What the library needs to know of a GAN type (all functions take the resolved ``Config``).

    Attributes:
        build: ``build(config, metadata) -> GAN``: the GAN, networks included, from the config and the
            metadata :attr:`metadata` recorded (a run folder is loaded from those two).
        check: ``check(config, warn)``: the type's own rules, raising ConfigError (and, with ``warn``,
            warning about settings it ignores); the generic checks of ``config.py`` come first.
        data_view: ``data_view(config, dataset) -> dataset``: the view of the loaded data set the type
            trains on (labels, pairs), or a ConfigError saying why the data does not fit.
        metadata: ``metadata(config, dataset) -> dict`` of plain data, stored in checkpoints, from which
            ``build`` makes the same GAN again (default: ``{"sample_shape": [...]}``).
        section: the dataclass of the type's own config section (top-level key = the type's name), or None.
        description: one line for listings.
        load: ``load(config) -> dataset``: loads the type's training data itself, for data that
            ``ganforge.data.load_dataset`` does not read (a table, pairs of images of any size); None:
            ``load_dataset`` then ``data_view``.
        example: ``example(folder) -> dict``: a tiny config of this type that trains in a second, writing any
            data it needs into ``folder`` (the conformance test trains it); None: the tiny image config.
    """

    build: Callable[[Any, Mapping[str, Any]], Any]
    check: Callable[[Any, bool], None] = _no_check
    data_view: Callable[[Any, Any], Any] = _the_data
    metadata: Callable[[Any, Any], dict[str, Any]] = _sample_shape
    section: type | None = None
    description: str = ""
    load: Callable[[Any], Any] | None = None
    example: Callable[[Any], dict[str, Any]] | None = None


#: ``gan.kind`` -> :class:`GANType`.
GAN_TYPES: Registry[GANType] = Registry("GAN type", "gan.kind", loader=[
    "ganforge.gans.types", "ganforge.gans.translation_types", "ganforge.gans.cyclegan_type", "ganforge.gans.audio",
    "ganforge.gans.music", "ganforge.tabular.gan_type"])


#: ``model.arch`` -> ``ganforge.nets.Architecture`` (a generator and discriminator family).
NETWORKS: Registry[Any] = Registry("architecture", "model.arch", loader="ganforge.nets")

#: ``gan.loss`` -> ``ganforge.losses.AdversarialLoss``.
LOSSES: Registry[Any] = Registry("adversarial loss", "gan.loss", loader="ganforge.losses")

#: A feature extractor's name (``eval.features``, ``--features``) -> ``make(sample_shape=..., device=...,
#: precision=..., inception_weights=..., data_source=...) -> FeatureExtractor``; see ``ganforge.features``.
FEATURE_EXTRACTORS: Registry[Any] = Registry("feature extractor", "features", loader="ganforge.features")

#: A metric's name -> the metric function (with ``inputs``, ``values``, ``min_samples``... attributes that
#: ``ganforge.metrics.register`` sets); the built-in metrics register in the modules of ``ganforge.metrics``.
METRICS: Registry[Any] = Registry("metric", "metrics", loader=[
    f"ganforge.metrics.{name}" for name in
    ("classifier", "conditional", "frechet", "image", "kid", "manifold", "mode_coverage", "sound", "tabular",
     "translation")])
