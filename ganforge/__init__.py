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

Also here: ``evaluate`` / ``evaluate_run`` (metrics), ``TabularGAN`` and
``tabular_report`` (tables), ``GANImputer`` / ``ImageImputer`` (missing values, GAIN), ``augment_dataset`` (enlarge or re-balance a labelled data set); and the GAN
types ``ConditionalGAN``, ``ACGAN``, ``DAGAN``.
"""

import importlib

__version__ = "0.1.0"

# Every name loads its module on first use, so `import ganforge` (and `ganforge --help`) stays light:
# torch, pandas and scikit-learn load only when something needs them.
_LAZY = {
    "DiffAugment": "ganforge.diffaugment",
    **dict.fromkeys(["Config", "ConfigError", "DataConfig", "GANConfig", "ModelConfig", "TrainConfig", "resolve"],
                    "ganforge.config"),
    **dict.fromkeys(["BUILTIN_DATASETS", "Dataset", "DataError", "load_dataset"], "ganforge.data"),
    **dict.fromkeys(["build_gan", "config_from", "load_run", "restore", "train"], "ganforge.experiment"),
    "GAN": "ganforge.gans",
    "ACGAN": "ganforge.gans.conditional", "ConditionalGAN": "ganforge.gans.conditional",
    "DAGAN": "ganforge.gans.dagan",
    **dict.fromkeys(["LOSSES", "get_loss", "gradient_penalty", "r1_penalty"], "ganforge.losses"),
    **dict.fromkeys(["available_metrics", "get_metric", "register"], "ganforge.metrics"),
    "mode_coverage": "ganforge.metrics.mode_coverage",
    **dict.fromkeys(["ARCHITECTURES", "build_networks"], "ganforge.nets"),
    "PRESETS": "ganforge.presets",
    **dict.fromkeys(["EMA", "Callback", "CheckpointError", "Evaluate", "Trainer", "TrainingDiverged"],
                    "ganforge.training"),
    "evaluate": "ganforge.metrics.evaluate", "evaluate_run": "ganforge.runs.evaluate",
    "TabularGAN": "ganforge.tabular", "tabular_report": "ganforge.tabular",
    "GANImputer": "ganforge.impute.model", "ImageImputer": "ganforge.impute.images",
}
_RENAMED = {"augment_dataset": ("ganforge.applications.enlarge", "augment")}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _RENAMED:
        module, attr = _RENAMED[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'ganforge' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


__all__ = [
    "ACGAN", "ConditionalGAN", "DAGAN", "GANImputer", "ImageImputer", "TabularGAN", "augment_dataset", "evaluate", "evaluate_run", "tabular_report",
    "ARCHITECTURES", "BUILTIN_DATASETS", "EMA", "GAN", "LOSSES", "PRESETS", "Callback", "CheckpointError", "Config",
    "ConfigError", "DataConfig", "DataError", "Dataset", "DiffAugment", "Evaluate", "GANConfig", "ModelConfig",
    "TrainConfig", "Trainer", "TrainingDiverged", "available_metrics", "build_gan", "build_networks", "config_from",
    "get_loss", "get_metric", "gradient_penalty", "load_dataset", "load_run", "mode_coverage", "r1_penalty",
    "register", "resolve", "restore", "train",
]
