"""Run folders, above the metrics: a config to a trained run folder and back (:mod:`.experiment`:
``train``, ``load_run``, ``restore``, ``config_from``, ``build_gan``), its samples written in chunks
(:mod:`.samples`), evaluating a trained run (:mod:`.evaluate`) and the callbacks of a config's
``eval`` section (:mod:`.callbacks`).

The names load their module on first use, so ``import ganforge.runs`` stays light.
"""

import importlib

_LAZY = {**dict.fromkeys(["build_gan", "config_from", "gan_metadata", "load_data", "load_run", "restore", "train"],
                         "ganforge.runs.experiment"),
         "evaluate_run": "ganforge.runs.evaluate"}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ganforge.runs' has no attribute {name!r}")
