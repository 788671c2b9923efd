"""Metrics by name: ``@register("name")`` adds one, :func:`get_metric` finds it."""

from __future__ import annotations

from typing import Callable

_REGISTRY: dict[str, Callable[..., dict]] = {}


def register(name: str) -> Callable[[Callable[..., dict]], Callable[..., dict]]:
    """Decorator adding a metric function to the registry under ``name``."""

    def add(fn: Callable[..., dict]) -> Callable[..., dict]:
        if name in _REGISTRY and _REGISTRY[name] is not fn:
            raise ValueError(f"metric {name!r} is registered twice")
        _REGISTRY[name] = fn
        return fn

    return add


def get_metric(name: str) -> Callable[..., dict]:
    """The metric registered as ``name``; an unknown name raises KeyError listing the metrics."""
    _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}; metrics: {', '.join(sorted(_REGISTRY))}") from None


def available_metrics() -> list[str]:
    """Names of all registered metrics."""
    _load_builtin()
    return sorted(_REGISTRY)


def _load_builtin() -> None:
    from ganforge.metrics import mode_coverage  # noqa: F401  (registers itself)


__all__ = ["available_metrics", "get_metric", "register"]
