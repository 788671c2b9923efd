"""Imputation of missing values with GAIN: tables (:class:`GANImputer`), images (:mod:`.images`),
multiple imputation and Rubin's rules (:mod:`.pooling`), the ``ganforge impute`` command (:mod:`.cli`)."""

import importlib

_LAZY = {"GANImputer": "ganforge.impute.model", "ImputeWarning": "ganforge.impute.model",
         "ImageImputer": "ganforge.impute.images", "pool": "ganforge.impute.pooling",
         "pool_mean": "ganforge.impute.pooling", "pool_regression": "ganforge.impute.pooling"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ganforge.impute' has no attribute {name!r}")


__all__ = sorted(_LAZY)
