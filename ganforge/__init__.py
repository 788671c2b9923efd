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

Also here (imported on first use): ``evaluate`` / ``evaluate_run`` (metrics), ``TabularGAN`` and
``tabular_report`` (tables), ``augment_dataset`` (enlarge or re-balance a labelled data set); and the GAN
types ``ConditionalGAN``, ``ACGAN``, ``DAGAN``.
"""

import importlib

from ganforge.augment import DiffAugment
from ganforge.config import Config, ConfigError, DataConfig, GANConfig, ModelConfig, TrainConfig, resolve
from ganforge.data import BUILTIN_DATASETS, Dataset, DataError, load_dataset
from ganforge.experiment import build_gan, config_from, load_run, restore, train
from ganforge.gans import GAN
from ganforge.gans.conditional import ACGAN, ConditionalGAN
from ganforge.gans.dagan import DAGAN
from ganforge.losses import LOSSES, get_loss, gradient_penalty, r1_penalty
from ganforge.metrics import available_metrics, get_metric, register
from ganforge.metrics.mode_coverage import mode_coverage
from ganforge.nets import ARCHITECTURES, build_networks
from ganforge.presets import PRESETS
from ganforge.training import EMA, Callback, CheckpointError, Evaluate, Trainer, TrainingDiverged

__version__ = "0.1.0"

# Heavier parts (pandas, scikit-learn, feature extractors) load when first used.
_LAZY = {"evaluate": ("ganforge.metrics.evaluate", "evaluate"),
         "evaluate_run": ("ganforge.metrics.evaluate", "evaluate_run"),
         "TabularGAN": ("ganforge.tabular", "TabularGAN"), "tabular_report": ("ganforge.tabular", "tabular_report"),
         "augment_dataset": ("ganforge.applications.augment", "augment")}


def __getattr__(name: str):
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'ganforge' has no attribute {name!r}")


__all__ = [
    "ACGAN", "ConditionalGAN", "DAGAN", "TabularGAN", "augment_dataset", "evaluate", "evaluate_run", "tabular_report",
    "ARCHITECTURES", "BUILTIN_DATASETS", "EMA", "GAN", "LOSSES", "PRESETS", "Callback", "CheckpointError", "Config",
    "ConfigError", "DataConfig", "DataError", "Dataset", "DiffAugment", "Evaluate", "GANConfig", "ModelConfig",
    "TrainConfig", "Trainer", "TrainingDiverged", "available_metrics", "build_gan", "build_networks", "config_from",
    "get_loss", "get_metric", "gradient_penalty", "load_dataset", "load_run", "mode_coverage", "r1_penalty",
    "register", "resolve", "restore", "train",
]
