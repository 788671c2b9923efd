"""Registries: names a user writes in a config, mapped to what they stand for, with did-you-mean errors.

:data:`GAN_TYPES` maps ``gan.kind`` to a :class:`GANType`: everything the library knows about a GAN
type lives in its record (how it checks its config, which view of the data it trains on, what it
stores to be rebuilt, how it builds itself), so no other file switches on the type. The built-in
types register in :mod:`ganforge.gans.types` (loaded on first lookup, so importing this module
stays light); a plug-in registers its own::

    from ganforge.registry import GAN_TYPES, GANType
    GAN_TYPES.register("bigan", GANType(build=build_bigan, check=check_bigan, description="..."))
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterator, Mapping, TypeVar

from ganforge.errors import ConfigError

__all__ = ["GANType", "GAN_TYPES", "Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Named entries of one sort (``what``, e.g. "GAN type"); ``loader`` names a module imported before
    the first lookup, where the built-in entries register."""

    def __init__(self, what: str, key: str, loader: str | None = None) -> None:
        self.what, self.key, self._loader = what, key, loader
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

    def get(self, name: str) -> T:
        """The entry of ``name``; an unknown name is a ConfigError naming the closest known one."""
        self._load()
        try:
            return self._entries[name]
        except KeyError:
            close = difflib.get_close_matches(str(name), list(self._entries), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{self.key}: unknown {self.what} {name!r}{hint}; choose from "
                              f"{', '.join(self.names())}") from None

    def names(self) -> list[str]:
        self._load()
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def _load(self) -> None:
        if self._loader is not None:
            loader, self._loader = self._loader, None
            importlib.import_module(loader)


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
        load: ``load(config) -> dataset``: loads the data set itself from ``config.data`` (e.g. pairs of
            images of any size), in place of :func:`ganforge.data.load_dataset`; None: the usual loader.
    """

    build: Callable[[Any, Mapping[str, Any]], Any]
    check: Callable[[Any, bool], None] = _no_check
    data_view: Callable[[Any, Any], Any] = _the_data
    metadata: Callable[[Any, Any], dict[str, Any]] = _sample_shape
    section: type | None = None
    description: str = ""
    load: Callable[[Any], Any] | None = None


#: ``gan.kind`` -> :class:`GANType`.
GAN_TYPES: Registry[GANType] = Registry("GAN type", "gan.kind", loader="ganforge.gans.types")
