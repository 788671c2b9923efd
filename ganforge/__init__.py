"""ganforge: train, evaluate and use generative adversarial networks.

Quick start::

    import ganforge as gf
    data = gf.load_dataset("mnist")
    G, D = gf.build_networks("dcgan", data_shape=data.sample_shape, latent_dim=100)
    gan = gf.GAN(G, D, latent_dim=100, loss="hinge")
    gf.Trainer(gan, data, steps=1000, run_dir="runs/mine").fit()
    images = gan.sample(16)

Or from a preset: ``gf.train("mnist", out="runs/m")``; back from its run folder:
``gan, cfg = gf.load_run("runs/m")`` (or ``gf.restore(gan, "runs/mine")`` for a GAN built in Python).

The top level holds the nouns a user needs (listed in the README's "Public API"); the rest lives in the
subpackages: ``ganforge.gans`` (the GAN types), ``ganforge.nets``, ``ganforge.losses``, ``ganforge.training``
(``EMA``, callbacks), ``ganforge.metrics`` and ``ganforge.features``, ``ganforge.registry`` (every registry),
``ganforge.runs``, ``ganforge.tabular``, ``ganforge.applications``, ``ganforge.impute``, ``ganforge.privacy``,
``ganforge.errors``.
"""

import importlib

__version__ = "0.1.0"

# Every name loads its module on first use, so `import ganforge` (and `ganforge --help`) stays light:
# torch, pandas and scikit-learn load only when something needs them.
_LAZY = {
    **dict.fromkeys(["config_from", "load_run", "restore", "train"], "ganforge.runs.experiment"),
    "Config": "ganforge.config",
    **dict.fromkeys(["Dataset", "load_dataset"], "ganforge.data"),
    "GAN": "ganforge.gans.base", "Trainer": "ganforge.training.trainer", "build_networks": "ganforge.nets",
    **dict.fromkeys(["GAN_TYPES", "GANType"], "ganforge.registry"),
    "evaluate": "ganforge.metrics.evaluate", "evaluate_run": "ganforge.runs.evaluate",
    **dict.fromkeys(["Report", "TabularGAN", "tabular_report"], "ganforge.tabular"),
    "GANImputer": "ganforge.impute.model",
    **dict.fromkeys(["CheckpointError", "ConfigError", "DataError", "GanforgeError"], "ganforge.errors"),
}
_RENAMED = {"augment_dataset": ("ganforge.applications.enlarge", "augment")}

# Names the top level held before it was cut to the nouns above: where they live now.
_MOVED = {
    **dict.fromkeys(["ACGAN", "ConditionalGAN"], "ganforge.gans.conditional"), "DAGAN": "ganforge.gans.dagan",
    "DiffAugment": "ganforge.diffaugment", "build_gan": "ganforge.runs.experiment",
    **dict.fromkeys(["DataConfig", "GANConfig", "ModelConfig", "TrainConfig", "resolve"], "ganforge.config"),
    "BUILTIN_DATASETS": "ganforge.data", "PRESETS": "ganforge.presets",
    **dict.fromkeys(["get_loss", "gradient_penalty", "r1_penalty"], "ganforge.losses"),
    **dict.fromkeys(["available_metrics", "get_metric", "register"], "ganforge.metrics"),
    "mode_coverage": "ganforge.metrics.mode_coverage",
    **dict.fromkeys(["LOSSES", "ARCHITECTURES"], "ganforge.registry (LOSSES, NETWORKS)"),
    **dict.fromkeys(["EMA", "Callback", "Evaluate"], "ganforge.training"),
    "TrainingDiverged": "ganforge.errors", "ImageImputer": "ganforge.impute",
}

__all__ = [
    "train", "load_run", "restore", "config_from", "Config",
    "load_dataset", "Dataset",
    "GAN", "Trainer", "build_networks", "GAN_TYPES", "GANType",
    "evaluate", "evaluate_run",
    "TabularGAN", "tabular_report", "Report", "augment_dataset", "GANImputer",
    "GanforgeError", "ConfigError", "DataError", "CheckpointError",
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _RENAMED:
        module, attr = _RENAMED[name]
        return getattr(importlib.import_module(module), attr)
    if name in _MOVED:
        raise AttributeError(f"ganforge.{name} is not at the top level: import it from {_MOVED[name]}")
    raise AttributeError(f"module 'ganforge' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
