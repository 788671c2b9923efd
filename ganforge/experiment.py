"""From a config to a trained run folder and back: build, train, load, sample.

A run folder holds ``config.yaml`` (the resolved config), ``run.json`` (seeds, versions, device),
``metrics.jsonl``, ``samples/`` and ``checkpoints/last.pt``.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

import torch

from ganforge.config import Config, ConfigError, load_yaml, resolve
from ganforge.data import Dataset, load_dataset
from ganforge.gans import GAN
from ganforge.presets import DEFAULT_PRESET, PRESETS, get_preset
from ganforge.registry import GAN_TYPES
from ganforge.training import Callback, Evaluate, Trainer, load_checkpoint
from ganforge.training.runtime import init_distributed, resolve_device, seed_everything


def config_from(source: str | Path | Mapping[str, Any] | Config | None = None,
                overrides: Sequence[Mapping[str, Any]] = ()) -> Config:
    """Resolve a preset name, a YAML path, a dict or a Config (default: the default preset) plus overrides."""
    if isinstance(source, Config):
        base: Mapping[str, Any] = source.to_dict()
    elif isinstance(source, Mapping):
        base = source
    elif source is None:
        base = get_preset(DEFAULT_PRESET).overrides
    elif str(source) in PRESETS:
        base = get_preset(str(source)).overrides
    elif str(source).endswith((".yaml", ".yml")) or Path(source).exists():
        base = load_yaml(source)
    else:
        raise ConfigError(f"{source!r} is neither a preset ({', '.join(PRESETS)}) nor a YAML config file")
    return resolve(base, *overrides)


def load_data(config: Config) -> Dataset:
    """The training data set named by ``config.data``, in the view its GAN type trains on (labels, pairs)."""
    d, gan_type = config.data, GAN_TYPES.get(config.gan.kind)
    if gan_type.load is not None:  # a type that reads its data itself (e.g. image pairs of any size)
        return gan_type.data_view(config, gan_type.load(config))
    ds = load_dataset(d.source, image_size=d.image_size, channels=d.channels, n=d.n, seed=config.train.seed,
                      labels=d.labels)
    return gan_type.data_view(config, ds)


def gan_metadata(config: Config, dataset: Dataset) -> dict[str, Any]:
    """What the checkpoint stores so that :func:`build_gan` makes the same GAN again (the sample shape,
    a conditional type's number of classes, ...), as the GAN type says."""
    return GAN_TYPES.get(config.gan.kind).metadata(config, dataset)


def build_gan(config: Config, sample_shape: Sequence[int] | Mapping[str, Any],
              num_classes: int | None = None) -> GAN:
    """The GAN (networks included) that ``config`` describes, built by its registered type.

    ``sample_shape`` is the metadata of :func:`gan_metadata`, or (as before) the shape of one sample,
    with ``num_classes`` for a class-conditional type.
    """
    if isinstance(sample_shape, Mapping):
        metadata = dict(sample_shape)
    else:
        metadata = {"sample_shape": list(sample_shape), **({"num_classes": num_classes} if num_classes else {})}
    return GAN_TYPES.get(config.gan.kind).build(config, metadata)


def mode_coverage_callback(dataset: Dataset, every: int, n: int = 2500) -> Evaluate | None:
    """Mode coverage on ``n`` samples every ``every`` steps, for 2-D mixture data sets."""
    mixture = dataset.mixture
    if mixture is None or mixture.centers.shape[1] != 2:
        return None
    from ganforge.metrics import get_metric

    coverage = get_metric("mode_coverage")

    def evaluate(gan: GAN) -> dict[str, float]:
        g = torch.Generator().manual_seed(12345)
        return coverage(gan.sample(n, generator=g).cpu(), mixture.centers, mixture.std)

    return Evaluate(evaluate, every)


def train(config: str | Path | Mapping[str, Any] | Config | None = None, *, out: str | Path | None = None,
          resume: str | Path | None = None, overrides: Sequence[Mapping[str, Any]] = (),
          callbacks: Sequence[Callback] = ()) -> Trainer:
    """Train a run from a preset, YAML file, dict or Config; or continue the run in ``resume``.

    Without ``config``, resuming uses the run's own stored config (plus ``overrides``). A new run goes
    to ``out`` (default ``runs/NAME-TIMESTAMP``), which must not already hold a run. A run folder
    without a checkpoint (killed before its first one) is started over, from step 0, by either.
    """
    if resume is not None:
        resume = Path(resume)
        if not (resume / "config.yaml").is_file():
            raise ConfigError(f"--resume {resume}: not a run folder (no config.yaml)")
        if config is None:
            config = load_yaml(resume / "config.yaml")
    cfg = config_from(config, overrides)
    dataset = load_data(cfg)
    seed_everything(cfg.train.seed)
    metadata = gan_metadata(cfg, dataset)
    gan = build_gan(cfg, metadata)
    run_dir = resume if resume is not None else _new_run_dir(cfg, out)
    created = resume is None and not run_dir.exists()
    restart = not created and not _checkpoint_path(run_dir, "last").exists()
    extra = [cb for cb in [mode_coverage_callback(dataset, cfg.train.sample_every)] if cb is not None]
    if cfg.eval.every:  # metric curves, best checkpoint, early stopping (built now: bad settings fail early)
        from ganforge.runs.callbacks import training_callbacks

        extra += training_callbacks(cfg.eval, dataset, resolve_device(cfg.train.device), cfg.data.source)
    trainer = Trainer(gan, dataset, cfg.train, run_dir=run_dir, run_config=cfg.to_dict(),
                      callbacks=[*extra, *callbacks], metadata=metadata)
    if restart and trainer.dist.is_main and (run_dir / "config.yaml").is_file():
        print(f"{run_dir} holds a run that stopped before its first checkpoint: starting over from step 0",
              file=sys.stderr, flush=True)
        (run_dir / "metrics.jsonl").unlink(missing_ok=True)  # that run's log (ganforge's file, in its run folder)
    try:
        trainer.fit(resume=resume is not None and not restart)
    except KeyboardInterrupt:
        raise
    except BaseException:
        if created and trainer.dist.is_main and not trainer.checkpoint_path.exists():
            shutil.rmtree(run_dir, ignore_errors=True)  # nothing worth keeping: leave no half-made run
        raise
    return trainer


def _new_run_dir(cfg: Config, out: str | Path | None) -> Path:
    """A fresh run folder name, agreed by every process of a distributed job."""
    device = resolve_device(cfg.train.device)
    dist_info = init_distributed(device, cfg.train.dist_timeout)
    path, error = None, None
    if dist_info.is_main:
        path = Path(out) if out is not None else Path("runs") / f"{cfg.name}-{time.strftime('%Y%m%d-%H%M%S')}"
        if path.exists() and (not path.is_dir() or any(path.iterdir())) and not _unstarted_run(path):
            error = (f"{path} already exists and is not empty: pass --resume {path} to continue that run, "
                     f"or a new --out")
    if dist_info.enabled:
        import torch.distributed as dist

        box = [str(path) if path else None, error]
        dist.broadcast_object_list(box, src=0)
        path, error = Path(box[0]) if box[0] else None, box[1]
    if error:
        raise ConfigError(error)
    return path


def _unstarted_run(path: Path) -> bool:
    """A run folder (it has ``config.yaml``) killed before its first checkpoint: it can be started over."""
    return (path / "config.yaml").is_file() and not _checkpoint_path(path, "last").exists()


def load_run(run: str | Path, checkpoint: str = "last", map_location: str | torch.device = "cpu") -> tuple[GAN, Config]:
    """The trained GAN of a run folder (EMA weights included when the run kept them) and its config."""
    run = Path(run)
    if not (run / "config.yaml").is_file():
        raise ConfigError(f"{run} is not a run folder (no config.yaml)")
    state = load_checkpoint(_checkpoint_path(run, checkpoint), map_location=map_location)
    if "sample_shape" not in state.get("metadata", {}):
        raise ConfigError(f"{run} was trained with a GAN built in Python, not from a config: build the same "
                          f"GAN again and call ganforge.restore(gan, {str(run)!r})")
    cfg = resolve(load_yaml(run / "config.yaml"), warn=False)
    gan = build_gan(cfg, state["metadata"])
    _load_weights(gan, state)
    return gan.to(map_location), cfg


def restore(gan: GAN, run: str | Path, checkpoint: str = "last") -> GAN:
    """Load a run's trained weights (EMA copies included) into a GAN built like the one that trained."""
    state = load_checkpoint(_checkpoint_path(Path(run), checkpoint), map_location=gan._device())
    _load_weights(gan, state)
    return gan


def _checkpoint_path(run: Path, checkpoint: str) -> Path:
    return run / "checkpoints" / (checkpoint if checkpoint.endswith(".pt") else f"{checkpoint}.pt")


def _load_weights(gan: GAN, state: dict[str, Any]) -> None:
    import copy

    for name, module in gan.networks().items():
        module.load_state_dict(state["networks"][name])
    networks, averaged = gan.networks(), {}
    for name, weights in state.get("averaged", {}).items():
        averaged[name] = copy.deepcopy(networks[name]).eval().requires_grad_(False)
        averaged[name].load_state_dict(weights)
    if averaged:
        gan.use_averaged(averaged)
    gan.load_extra_state(state.get("extra", {}))
