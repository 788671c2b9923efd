"""Run configuration: defaults in code, YAML files and ``--set key=value`` only override.

A config is a tree of dataclasses. :func:`resolve` merges overrides into the defaults and
validates them: an unknown key, a value of the wrong type or out of range, and an
incompatible combination of options raise :class:`ConfigError` naming the key.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping, Optional

import yaml

from ganforge.durations import Duration, parse_duration
from ganforge.errors import ConfigError, ConfigWarning

Norm = Literal["batch", "instance", "none"]


@dataclass
class DataConfig:
    """Where the training data comes from."""

    source: str = "mnist"  # a built-in data set name, an image folder, or a .npy/.npz file
    image_size: Optional[int] = None  # resize images to this size (default: as stored)
    channels: Optional[int] = None  # 1 (grey) or 3 (RGB); default: as stored
    n: Optional[int] = None  # number of samples drawn for synthetic data sets
    labels: Optional[str] = None  # a label file (.txt, .npy, .csv) for an image folder or an array file
    holdout: float = 0.0  # a stratified share of labelled data never trained on (ganforge augment validates on it)
    holdout_seed: int = 0  # chooses the held-out samples (see ganforge.data.holdout)
    a: Optional[str] = None  # unpaired translation (gan.kind=cyclegan): the domain A images (a folder or a data set)
    b: Optional[str] = None  # ... and the domain B images; unset: data.source/trainA and data.source/trainB


@dataclass
class ModelConfig:
    """Which networks to build (see :func:`ganforge.nets.build_networks`)."""

    arch: str = "dcgan"  # a name of ganforge.registry.NETWORKS: mlp, dcgan, resnet, or one a plug-in registered
    latent_dim: int = 100
    width: Optional[int] = None  # base channels / hidden units; None: the architecture's default
    depth: int = 3  # hidden layers of the MLP
    g_norm: Optional[Norm] = None
    d_norm: Optional[Norm] = None
    spectral_norm: bool = False  # spectral norm in D
    g_spectral_norm: bool = False  # spectral norm in G
    minibatch_std: bool = False  # minibatch-standard-deviation layer in D


@dataclass
class GANConfig:
    """The adversarial objective and its stabilisers."""

    # the GAN type, a name of ganforge.registry.GAN_TYPES: gan (unconditional); cgan (label concatenated),
    # acgan (auxiliary classifier), projection: G(z, label), trained on labelled data; dagan: G(image, z)
    # makes variations of an image (pairs of one class); or a type a plug-in registered
    kind: str = "gan"
    num_classes: Optional[int] = None  # cgan/acgan/projection; None: the largest label in the data + 1
    aux_weight: float = 1.0  # acgan: weight of the auxiliary classification loss
    aux_fake: bool = False  # acgan: D's classifier also learns from fakes (Odena et al.; see ganforge.gans.ACGAN)
    # a name of ganforge.registry.LOSSES: minimax, nonsaturating, wasserstein, hinge, least_squares, or a plug-in's
    loss: str = "nonsaturating"
    penalty: Literal["none", "gradient_penalty", "r1"] = "none"
    penalty_weight: float = 10.0  # lambda for gradient_penalty, gamma for r1
    n_critic: int = 1  # discriminator steps per generator step
    label_smoothing: float = 0.0  # one-sided: real target = 1 - label_smoothing
    instance_noise: float = 0.0  # std of Gaussian noise added to D's inputs at step 0
    instance_noise_steps: int = 0  # anneal the noise linearly to 0 over this many steps (0: constant)
    augment: str = ""  # differentiable augmentation for D, e.g. "translation,cutout,color"
    pack: int = 1  # PacGAN: D judges this many samples at once
    mode_seeking: float = 0.0  # weight of MSGAN's mode-seeking term in G's loss (diverse fakes per class); 0: off


@dataclass
class TrainConfig:
    """The training loop (see :class:`ganforge.training.Trainer`)."""

    steps: int = 2000  # generator steps
    time_budget: Optional[Duration] = None  # also stop after this long ("4.5m", "90s", seconds); schedules follow the steps that fit
    batch_size: int = 64  # per process
    class_balanced: bool = False  # draw every class equally often (labelled data; for imbalanced classes)
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    lr_schedule: Literal["constant", "linear"] = "constant"  # linear: decay to 0 at `steps`
    lr_hold: float = 0.0  # linear: the fraction of the steps at a constant LR before the decay (CycleGAN: 0.5)
    ema: float = 0.0  # decay of the EMA of G's weights; 0 turns it off
    ema_start: int = 0  # copy G's weights into the EMA until this step
    device: str = "auto"  # auto (CUDA when present), cpu, cuda, cuda:1, ...
    dist_timeout: float = 600.0  # seconds a torchrun rank waits for a stalled one before the job fails
    precision: Literal["auto", "bf16", "fp32"] = "auto"  # auto: bf16 where the hardware has it
    channels_last: bool = True  # for image data
    compile: bool = False  # torch.compile the networks
    seed: int = 0
    deterministic: bool = False  # deterministic kernels (slower on GPU)
    log_every: int = 50
    sample_every: int = 500
    checkpoint_every: int = 1000
    nan_policy: Literal["stop", "rollback"] = "stop"
    progress: bool = True
    tensorboard: bool = True  # also log to TensorBoard when it is installed


@dataclass
class EvalConfig:
    """Evaluation during training: metric curves, the best checkpoint, early stopping (off unless ``every`` > 0).

    See :func:`ganforge.metrics.evaluate.training_callbacks`.
    """

    every: int = 0  # evaluate every N steps and at the end; 0 turns evaluation off
    metrics: str = "fid"  # comma-separated metric names, e.g. "fid,kid"
    features: str = "auto"  # extractor: auto, digits, digits28, digits8, inception, identity, or a TorchScript path
    n: int = 2000  # generated samples per evaluation
    reference_n: Optional[int] = None  # real samples for the reference statistics (default: the whole data set)
    seed: int = 0  # seeds the evaluation's latent vectors and KID subsets
    kid_subsets: int = 100  # KID: random subsets averaged per evaluation
    monitor: str = ""  # the value that picks the best checkpoint and drives early stopping, e.g. "fid"
    mode: Literal["auto", "min", "max"] = "auto"  # auto: max for precision/recall/IS/..., min for fid/kid
    keep_best: bool = True  # with a monitor: keep checkpoints/best.pt
    patience: int = 0  # with a monitor: stop after this many evaluations without improvement; 0 never
    min_delta: float = 0.0  # the smallest change that counts as an improvement (early stopping)


@dataclass
class Config:
    """A whole run: what to train on, what to train, and how."""

    name: str = "run"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    gan: GANConfig = field(default_factory=GANConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    #: the GAN type's own section (``GANType.section``), under the type's name: ``{name: dataclass}``
    sections: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (tuples as lists), as written to ``config.yaml``; a type's section is a
        top-level key named after the type."""
        out = _plain(dataclasses.asdict(self))
        out.update(out.pop("sections"))
        return out

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)


# Keys that may change when a run is resumed: they do not alter the training trajectory.
RESUMABLE_KEYS = frozenset(
    {"train.steps", "train.time_budget", "train.log_every", "train.sample_every", "train.checkpoint_every", "train.progress",
     "train.tensorboard", "train.dist_timeout"}
    | {f"eval.{f.name}" for f in dataclasses.fields(EvalConfig)}  # evaluation does not alter training
)


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file into a dict; a missing or malformed file is a ConfigError."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        loaded = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path} must hold a mapping of config keys, not {type(loaded).__name__}")
    return loaded


def parse_set(assignments: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Turn ``["train.steps=100", "gan.loss=hinge"]`` into a nested override dict."""
    out: dict[str, Any] = {}
    for item in assignments:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects key=value, got {item!r}")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        node = out
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {key}: {part} is set both as a value and as a section")
        node[parts[-1]] = value
    return out


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` into ``base`` (neither is modified)."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def resolve(*overrides: Mapping[str, Any], warn: bool = True) -> Config:
    """Build a validated :class:`Config` from the defaults and ``overrides`` applied in order."""
    merged: dict[str, Any] = {}
    for override in overrides:
        merged = merge(merged, override or {})
    sections = {}
    kind = merged.get("gan", {}).get("kind", GANConfig.kind) if isinstance(merged.get("gan"), Mapping) else None
    if isinstance(kind, str) and "sections" not in merged:
        from ganforge.registry import GAN_TYPES

        section = GAN_TYPES.get(kind).section  # an unknown type: the registry's did-you-mean error
        if section is not None:
            merged = dict(merged)
            sections[kind] = _build(section, merged.pop(kind, {}), f"{kind}.")
    config = _build(Config, {k: v for k, v in merged.items()}, "")
    config.sections = sections
    check(config, warn=warn)
    return config


def _build(cls: type, values: Mapping[str, Any], prefix: str) -> Any:
    if not isinstance(values, Mapping):
        raise ConfigError(f"{prefix.rstrip('.') or 'config'} must be a mapping, got {values!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name != "sections"]
    kwargs = {}
    for key, value in values.items():
        if key not in names:
            hint = difflib.get_close_matches(str(key), names, n=1)
            suggestion = f" (did you mean '{prefix}{hint[0]}'?)" if hint else f"; known keys: {', '.join(names)}"
            raise ConfigError(f"unknown config key '{prefix}{key}'{suggestion}")
        kwargs[key] = _coerce(hints[key], value, f"{prefix}{key}")
    return cls(**kwargs)


def _coerce(tp: Any, value: Any, key: str) -> Any:
    """Check ``value`` against the type hint ``tp``; return it converted (int to float, list to tuple)."""
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, key + ".")
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(inner[0], value, key)
    if tp is Duration:
        return parse_duration(value, key)
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{key} must be one of {', '.join(map(repr, args))}; got {value!r}")
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)) or len(value) != len(args):
            raise ConfigError(f"{key} must be a list of {len(args)} values; got {value!r}")
        return tuple(_coerce(a, v, f"{key}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false; got {value!r}")
        return value
    if tp is int:
        number = _number(value)
        if number is None or number != int(number):
            raise ConfigError(f"{key} must be an integer; got {value!r}")
        return int(number)
    if tp is float:
        number = _number(value)
        if number is None:
            raise ConfigError(f"{key} must be a number; got {value!r}")
        return float(number)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key} must be a string; got {value!r}")
        return value
    raise TypeError(f"unsupported config type {tp!r} for {key}")  # a bug in the schema, not user input


def _number(value: Any) -> int | float | None:
    """``value`` as a finite number, or None. Accepts numeric strings such as ``'1e-4'`` (PyYAML reads
    ``1e-4``, without a dot, as a string) and integral floats such as ``1e3`` for integer keys."""
    if isinstance(value, str):
        for parse in (int, float):
            try:
                value = parse(value.strip())
                break
            except ValueError:
                continue
        else:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def check(config: Config, warn: bool = True) -> None:
    """Range checks and incompatible combinations (errors), questionable ones (warnings)."""
    d, m, g, t = config.data, config.model, config.gan, config.train
    for key, value in [("model.latent_dim", m.latent_dim), ("model.depth", m.depth), ("gan.n_critic", g.n_critic),
                       ("gan.pack", g.pack), ("train.steps", t.steps), ("train.batch_size", t.batch_size),
                       ("train.log_every", t.log_every), ("train.sample_every", t.sample_every),
                       ("train.checkpoint_every", t.checkpoint_every)]:
        _require(value >= 1, f"{key} must be >= 1; got {value}")
    for key, value in [("data.image_size", d.image_size), ("data.n", d.n), ("model.width", m.width)]:
        _require(value is None or value >= 1, f"{key} must be >= 1; got {value}")
    _require(d.channels in (None, 1, 3), f"data.channels must be 1 or 3; got {d.channels}")
    _require(0 <= d.holdout < 1, f"data.holdout must be in [0, 1); got {d.holdout}")
    for key, value in [("train.lr_g", t.lr_g), ("train.lr_d", t.lr_d)]:
        _require(value > 0, f"{key} must be > 0; got {value}")
    for i, beta in enumerate(t.betas):
        _require(0 <= beta < 1, f"train.betas[{i}] must be in [0, 1); got {beta}")
    _require(0 <= t.ema < 1, f"train.ema must be in [0, 1) (0 turns it off); got {t.ema}")
    _require(t.dist_timeout > 0, f"train.dist_timeout must be > 0 (seconds); got {t.dist_timeout}")
    _require(t.ema_start >= 0, f"train.ema_start must be >= 0; got {t.ema_start}")
    _require(0 <= t.lr_hold < 1, f"train.lr_hold must be in [0, 1); got {t.lr_hold}")
    _require(g.penalty_weight >= 0, f"gan.penalty_weight must be >= 0; got {g.penalty_weight}")
    _require(0 <= g.label_smoothing < 0.5, f"gan.label_smoothing must be in [0, 0.5); got {g.label_smoothing}")
    _require(g.instance_noise >= 0, f"gan.instance_noise must be >= 0; got {g.instance_noise}")
    _require(g.instance_noise_steps >= 0, f"gan.instance_noise_steps must be >= 0; got {g.instance_noise_steps}")
    _require(t.batch_size % g.pack == 0,
             f"train.batch_size ({t.batch_size}) must be a multiple of gan.pack ({g.pack})")
    if g.augment:
        from ganforge.diffaugment import AUGMENTATIONS

        for item in (s.strip() for s in g.augment.split(",")):
            _require(item in AUGMENTATIONS,
                     f"gan.augment: unknown augmentation {item!r}; choose from {', '.join(AUGMENTATIONS)}")
    from ganforge.registry import GAN_TYPES, LOSSES, NETWORKS

    gan_type = GAN_TYPES.get(g.kind)  # an unknown name: the registry's did-you-mean error
    NETWORKS.get(m.arch)
    loss = LOSSES.get(g.loss)
    _require(g.aux_weight >= 0, f"gan.aux_weight must be >= 0; got {g.aux_weight}")
    _require(g.mode_seeking >= 0, f"gan.mode_seeking must be >= 0; got {g.mode_seeking}")
    gan_type.check(config, warn)  # the type's own rules (ganforge/gans/types.py for the built-in ones)
    lipschitz = g.penalty == "gradient_penalty" or m.spectral_norm
    _require(not loss.needs_lipschitz or lipschitz,
             f"gan.loss={g.loss} needs a Lipschitz constraint on D: set gan.penalty=gradient_penalty "
             "or model.spectral_norm=true")
    smoothable = [name for name in LOSSES if LOSSES[name].supports_label_smoothing]
    _require(g.label_smoothing == 0 or loss.supports_label_smoothing,
             f"gan.label_smoothing applies to {', '.join(smoothable)} losses, not {g.loss}")
    _require(t.device == "auto" or t.device == "cpu" or t.device.startswith("cuda"),
             f"train.device must be auto, cpu or cuda[:N]; got {t.device!r}")
    _check_eval(config.eval)
    if not warn:
        return
    if g.penalty == "none" and g.penalty_weight != GANConfig.penalty_weight:
        warnings.warn("gan.penalty_weight is set but gan.penalty=none: it has no effect", ConfigWarning,
                      stacklevel=3)


def _check_eval(e: EvalConfig) -> None:
    for key, value, low in [("eval.every", e.every, 0), ("eval.n", e.n, 2), ("eval.kid_subsets", e.kid_subsets, 1),
                            ("eval.patience", e.patience, 0)]:
        _require(value >= low, f"{key} must be >= {low}; got {value}")
    _require(e.reference_n is None or e.reference_n >= 2, f"eval.reference_n must be >= 2; got {e.reference_n}")
    _require(e.min_delta >= 0, f"eval.min_delta must be >= 0; got {e.min_delta}")
    if not e.every:
        return
    from ganforge.metrics import available_metrics, metric_inputs, metric_values

    usable = [m for m in available_metrics() if metric_inputs(m) not in ("table", "custom")]
    names = [m.strip() for m in e.metrics.split(",") if m.strip()]
    _require(bool(names), f"eval.metrics names no metric; choose from {', '.join(usable)}")
    for name in names:
        _require(name in available_metrics(), f"eval.metrics: unknown metric {name!r}; choose from {', '.join(usable)}")
        _require(name in usable, f"eval.metrics: {name!r} does not apply to a training run; choose from "
                                 f"{', '.join(usable)}")
    values = [v for name in names for v in metric_values(name)]
    _require(not e.monitor or e.monitor in values,
             f"eval.monitor: {e.monitor!r} is not a value of eval.metrics ({e.metrics}); choose from {', '.join(values)}")
    _require(not e.patience or bool(e.monitor), "eval.patience (early stopping) needs eval.monitor, e.g. fid")


def with_defaults(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """``config`` with the defaults of the keys it lacks (e.g. saved before they were added), or as given
    when it does not resolve (made by another version, or not a ganforge config)."""
    try:
        return resolve(config, warn=False).to_dict()
    except (ConfigError, TypeError, ValueError):
        return config


def diff(old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = "") -> dict[str, tuple[Any, Any]]:
    """Flattened keys whose values differ between two config dicts: ``{key: (old, new)}``."""
    out: dict[str, tuple[Any, Any]] = {}
    for key in sorted(set(old) | set(new), key=str):
        a, b = old.get(key), new.get(key)
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            out.update(diff(a, b, f"{prefix}{key}."))
        elif _plain(a) != _plain(b):
            out[f"{prefix}{key}"] = (a, b)
    return out
