"""The training loop. It knows nothing GAN-specific: the GAN supplies its phases (records of networks,
optimizer settings, loss, schedule and batch policy), its extra state and its preview."""

from __future__ import annotations

import dataclasses
import json
import platform
import signal
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import torch
import torch.distributed as dist
from torch import Tensor, nn

from ganforge.config import RESUMABLE_KEYS, ConfigError, TrainConfig, diff, with_defaults
from ganforge.errors import TrainingDiverged
from ganforge.durations import format_duration
from ganforge.io import remove_leftovers_in, write_json, write_text
from ganforge.nets import unwrap
from ganforge.provenance import provenance
from ganforge.training.batches import Batches
from ganforge.training.budget import StepBudget
from ganforge.training.callbacks import Callback, SampleGrid, ScalarLog
from ganforge.training.checkpoint import load_checkpoint, save_checkpoint
from ganforge.training.ema import EMA
from ganforge.training.runtime import (
    autocast,
    choose_precision,
    init_distributed,
    resolve_device,
    rng_state,
    seed_everything,
    set_deterministic,
    set_rng_state,
)

MAX_ROLLBACKS = 3


class _NonFinite(Exception):
    def __init__(self, phase: str) -> None:
        self.phase = phase


class _TensorData:
    """Adapter so a plain tensor can be passed where a data set is expected."""

    def __init__(self, data: Tensor) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def batch(self, index: Tensor) -> Tensor:
        return self.data[index].float()


class Trainer:
    """Trains any GAN that follows the :class:`ganforge.gans.GAN` protocol.

    Each step runs the records of ``gan.phases(config)`` in order, each ``phase.repeats(step)`` times on a
    fresh batch or the last one (``phase.fresh_batch``), with one Adam optimizer per phase on
    ``phase.networks`` at ``phase.lr``/``phase.betas``. Around that:
    device and precision (bf16 autocast where the hardware has it natively; channels-last), EMA, LR schedule,
    data-parallel training under ``torchrun``, full-state checkpoints (atomic, every
    ``checkpoint_every`` steps, on Ctrl-C and at the end), exact resume, a NaN/Inf guard, scalar logs,
    sample pictures and a progress bar.

    Args:
        gan: the model (owns its networks and its step).
        data: a :class:`ganforge.data.Dataset` (anything with ``len`` and ``batch(index)``) or a tensor.
        config: loop settings; keyword ``overrides`` replace single fields (``steps=100``).
        run_dir: where checkpoints, logs and samples go; ``None`` keeps everything in memory.
        run_config: the full resolved run config stored in checkpoints (default: the train config).
        callbacks: extra :class:`Callback` objects (run on the main process only).
        metadata: plain data stored in every checkpoint (e.g. the sample shape, to rebuild the GAN).
    """

    def __init__(self, gan: nn.Module, data: Any, config: TrainConfig | None = None, *,
                 run_dir: str | Path | None = None, run_config: dict[str, Any] | None = None,
                 callbacks: Sequence[Callback] = (), metadata: dict[str, Any] | None = None,
                 **overrides: Any) -> None:
        config = config or TrainConfig()
        known = {f.name for f in dataclasses.fields(TrainConfig)}
        for key in overrides:
            if key not in known:
                raise ConfigError(f"unknown train setting {key!r}; known: {', '.join(sorted(known))}")
        self.cfg = dataclasses.replace(config, **overrides)
        self.gan = gan
        self.data = data if hasattr(data, "batch") else _TensorData(torch.as_tensor(data))
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.run_config = run_config if run_config is not None else {"train": dataclasses.asdict(self.cfg)}
        self.callbacks: list[Callback] = list(callbacks)
        self.metadata = dict(metadata or {})
        self.step = 0
        self.rollbacks = 0
        self.stop_reason: str | None = None  # set through request_stop (e.g. early stopping)
        self.budget = StepBudget(self.cfg.steps, self.cfg.time_budget)  # schedules follow budget.planned

        cfg = self.cfg
        self.device = resolve_device(cfg.device)
        self.dist = init_distributed(self.device, cfg.dist_timeout)
        self.dtype, self.precision_reason = choose_precision(cfg.precision, self.device)
        set_deterministic(cfg.deterministic)
        seed_everything(cfg.seed + self.dist.rank)  # distinct noise per process; DDP syncs the weights

        first = self.data.batch(torch.arange(1))
        self.data_description = describe_data(self.data, first)  # drawn now: fit() must not touch the RNG
        # channels-last applies to 4-D tensors only (conv weights, image batches); others are left alone.
        self.memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
        gan.to(self.device, memory_format=self.memory_format)

        networks = gan.networks()
        if cfg.compile:
            for module in networks.values():
                module.compile()

        self.phases = list(gan.phases(cfg))
        names = [phase.name for phase in self.phases]
        if not names or len(set(names)) != len(names):
            raise ValueError(f"{type(gan).__name__}.phases() must name one or more phases, each once; got {names}")
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.schedulers: dict[str, torch.optim.lr_scheduler.LRScheduler] = {}
        for phase in self.phases:
            params = [p for name in phase.networks for p in networks[name].parameters()]
            # The fused kernel: one pass over all parameters (3x faster than the per-tensor loop on a CPU).
            fused = self.device.type in ("cpu", "cuda") and all(p.is_floating_point() for p in params)
            opt = torch.optim.Adam(params, lr=phase.lr, betas=tuple(phase.betas), fused=fused or None)
            self.optimizers[phase.name] = opt
            self.schedulers[phase.name] = torch.optim.lr_scheduler.LambdaLR(opt, self._lr_factor)

        if self.dist.enabled:
            ids = [self.device.index] if self.device.type == "cuda" else None
            for name, module in networks.items():  # names are the GAN's attributes (the protocol)
                setattr(gan, name, nn.parallel.DistributedDataParallel(module, device_ids=ids))

        self.ema: dict[str, EMA] = {}  # made after DDP has given every rank rank 0's weights
        if cfg.ema > 0:
            for name in gan.averaged_networks():
                self.ema[name] = EMA(networks[name], cfg.ema, cfg.ema_start)
            gan.use_averaged({name: ema.module for name, ema in self.ema.items()})

        self.batches = Batches(len(self.data), cfg.batch_size, cfg.seed, self.dist.rank, self.dist.world_size,
                               labels=self._balancing_labels())
        self.log: ScalarLog | None = None
        if self.run_dir is not None and self.dist.is_main:
            self.callbacks.insert(0, SampleGrid(cfg.sample_every, seed=cfg.seed))

    # -- public API ----------------------------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path | None:
        return None if self.run_dir is None else self.run_dir / "checkpoints" / "last.pt"

    def fit(self, resume: bool | str | Path = False) -> "Trainer":
        """Train until ``config.steps``; with ``resume``, first load the run's (or the given) checkpoint."""
        if resume:
            path = self.checkpoint_path if resume is True else Path(resume)
            if path is None:
                raise ValueError("resume=True needs a run_dir")
            self.load(path)
        main = self.dist.is_main
        if self.run_dir is not None and main:
            self._start_run_dir(resumed=bool(resume))
        if main and self.cfg.progress:
            print(self.describe(), file=sys.stderr, flush=True)
        if self.run_dir is not None and main and self.cfg.nan_policy == "rollback" and not self.checkpoint_path.exists():
            self.save()  # something to roll back to
        for cb in self.callbacks if main else ():
            cb.on_fit_start(self)
        bar = _progress(self.budget.planned, self.step, enabled=main and self.cfg.progress)
        window: dict[str, list[Tensor]] = {}
        t0, seen = time.perf_counter(), 0
        self.budget.start(self.step)
        try:
            with _interrupt_flag() as interrupted:
                while self.step < self.cfg.steps:
                    try:
                        outs, n_real = self._train_step()
                    except _NonFinite as bad:
                        self._diverged(bad.phase)
                        continue
                    self.step += 1
                    seen += n_real * self.dist.world_size
                    for key, value in outs.items():
                        window.setdefault(key, []).append(value)
                    if self.step % self.cfg.log_every == 0 or self.step == self.cfg.steps:
                        elapsed = time.perf_counter() - t0
                        scalars = {k: torch.stack(v).float().mean().item() for k, v in window.items()}
                        scalars["img_per_s"] = seen / max(elapsed, 1e-9)
                        scalars.update({f"lr/{name}": opt.param_groups[0]["lr"] for name, opt in self.optimizers.items()})
                        self.log_scalars(self.step, scalars)
                        bar.set_postfix({k: f"{v:.3g}" for k, v in scalars.items() if not k.startswith("lr/")},
                                        refresh=False)
                        window, t0, seen = {}, time.perf_counter(), 0
                    bar.update(1)
                    for cb in self.callbacks if main else ():
                        cb.on_step_end(self, self.step)
                    self._follow_budget(bar, main)
                    if self.step % self.cfg.checkpoint_every == 0:
                        self.save()
                    if self._agree(self.stop_reason is not None):
                        if main:
                            print(f"\nstopping at step {self.step}: {self.stop_reason}", file=sys.stderr)
                        break
                    if self._agree(interrupted.is_set()):
                        self.save()
                        for cb in self.callbacks if main else ():
                            cb.on_interrupt(self)  # e.g. a last sample grid
                        if main:
                            where = f"; checkpoint {self.checkpoint_path}" if self.run_dir else ""
                            print(f"\ninterrupted at step {self.step}{where}", file=sys.stderr)
                        raise KeyboardInterrupt
            self.save()
            for cb in self.callbacks if main else ():
                cb.on_fit_end(self)
        finally:
            bar.close()
            if self.log is not None:
                self.log.close()
                self.log = None
        return self

    def request_stop(self, reason: str) -> None:
        """Finish training after the current step (saving as at the end), e.g. for early stopping."""
        self.stop_reason = reason

    def describe(self) -> str:
        """One line on what this run trains on and how: the data, device, threads and precision (with why)."""
        threads = torch.get_num_threads()
        runtime = [f"device {self.device}", f"{threads} thread{'s' if threads != 1 else ''}"]
        if self.memory_format == torch.channels_last:
            runtime.append("channels-last")
        return f"data: {self.data_description} | {', '.join(runtime)}, {self.precision_reason}"

    def log_scalars(self, step: int, scalars: dict[str, float]) -> None:
        """Record scalars for ``step`` (main process, when there is a run folder)."""
        if self.log is not None:
            self.log.write(step, scalars)

    def state_dict(self) -> dict[str, Any]:
        """The full training state: networks, EMA, the GAN's extra state, optimizers, schedulers, step,
        data position, RNG."""
        return {
            "step": self.step,
            "planned_steps": self.budget.planned,
            "rollbacks": self.rollbacks,
            "networks": {n: unwrap(m).state_dict() for n, m in self.gan.networks().items()},
            "extra": self.gan.extra_state(),
            "averaged": {n: e.module.state_dict() for n, e in self.ema.items()},
            "optimizers": {p: o.state_dict() for p, o in self.optimizers.items()},
            "schedulers": {p: s.state_dict() for p, s in self.schedulers.items()},
            "batches": self.batches.state_dict(),
            "rng": self._gather_rng(),
            "config": self.run_config,
            "metadata": self.metadata,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`; refuses a checkpoint made under a different config."""
        old, new = with_defaults(state["config"]), with_defaults(self.run_config)
        if (old is state["config"]) != (new is self.run_config):  # compare like with like
            old, new = state["config"], self.run_config
        differences = diff(old, new)
        changed = {k: v for k, v in differences.items() if k not in RESUMABLE_KEYS}
        if changed:
            lines = "\n".join(f"  {k}: {a!r} -> {b!r}" for k, (a, b) in changed.items())
            raise ConfigError(f"cannot resume: the config differs from the checkpoint's in:\n{lines}")
        if self.cfg.lr_schedule != "constant" and "train.steps" in differences:
            raise ConfigError("cannot resume with a different train.steps under a non-constant lr_schedule")
        for name, module in self.gan.networks().items():
            unwrap(module).load_state_dict(state["networks"][name])
        for name, ema in self.ema.items():
            ema.module.load_state_dict(state["averaged"][name])
        self.gan.load_extra_state(state.get("extra", {}))  # format 1 checkpoints: types without extra state
        for phase, opt in self.optimizers.items():
            opt.load_state_dict(state["optimizers"][phase])
        for phase, sched in self.schedulers.items():
            sched.load_state_dict(state["schedulers"][phase])
        self.batches.load_state_dict(state["batches"])
        self.step, self.rollbacks = int(state["step"]), int(state.get("rollbacks", 0))
        self.budget.planned = min(self.cfg.steps, int(state.get("planned_steps", self.cfg.steps)))
        rngs = state["rng"]
        if len(rngs) == self.dist.world_size:
            set_rng_state(rngs[self.dist.rank])
        else:
            warnings.warn(f"checkpoint was made by {len(rngs)} processes, resuming with "
                          f"{self.dist.world_size}: random streams are reseeded", stacklevel=2)
            seed_everything(self.cfg.seed + self.dist.rank + 104729 * self.step)

    def save(self, path: str | Path | None = None) -> Path | None:
        """Write the full state atomically (main process); refuses to save non-finite weights."""
        path = Path(path) if path is not None else self.checkpoint_path
        state = self.state_dict()  # every rank joins the RNG gather
        if path is None or not self.dist.is_main:
            return None
        for name, sd in state["networks"].items():
            for key, tensor in sd.items():
                if tensor.is_floating_point() and not torch.isfinite(tensor).all():
                    raise TrainingDiverged(f"{name}.{key} holds NaN/Inf at step {self.step}; not saving it "
                                           f"over the last good checkpoint {path}")
        return save_checkpoint(path, state)

    def load(self, path: str | Path) -> None:
        """Load a checkpoint written by :meth:`save`."""
        self.load_state_dict(load_checkpoint(path, map_location=self.device))

    # -- internals -------------------------------------------------------------------------------
    def _train_step(self) -> tuple[dict[str, Tensor], int]:
        logs, batch, n_real = {}, None, 0
        for phase in self.phases:
            for _ in range(phase.repeats(self.step)):
                if phase.fresh_batch or batch is None:
                    batch = self._next_batch()
                    n_real += self.cfg.batch_size
                with autocast(self.device, self.dtype):
                    out = phase.loss(batch, self.step)
                loss = out["loss"]
                if self._agree(not bool(torch.isfinite(loss.detach()))):
                    raise _NonFinite(phase.name)
                opt = self.optimizers[phase.name]
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                logs.update({k: v.detach() for k, v in out.items() if k != "loss"})
        with warnings.catch_warnings():  # a phase its schedule skipped still follows the step's LR
            warnings.filterwarnings("ignore", message=r"Detected call of `lr_scheduler.step\(\)`")
            for sched in self.schedulers.values():
                sched.step()
        if self.dist.enabled:
            self._sync_buffers()
        networks = self.gan.networks()
        for name, ema in self.ema.items():
            ema.update(unwrap(networks[name]), self.step)
        return logs, n_real

    def _balancing_labels(self) -> Tensor | None:
        """The labels that ``train.class_balanced`` balances batches over (None when it is off)."""
        if not self.cfg.class_balanced:
            return None
        labels = getattr(self.data, "labels", None)
        if labels is None:
            raise ConfigError("train.class_balanced needs labelled data; this data set has no labels")
        return labels

    def _next_batch(self) -> Any:
        return _to_device(self.data.batch(next(self.batches)), self.device, self.memory_format)

    def _lr_factor(self, step: int) -> float:
        if self.cfg.lr_schedule == "linear":  # constant for lr_hold of the steps, then linearly to 0
            start = self.cfg.lr_hold * self.budget.planned
            return 1.0 if step <= start else max(0.0, 1.0 - (step - start) / (self.budget.planned - start))
        return 1.0

    def _follow_budget(self, bar: Any, main: bool) -> None:
        """Check the time budget after a step: stop when it is used; keep the schedules (LR decay, EMA
        start, the progress bar's length) on the steps it is estimated to allow."""
        budget = self.budget
        if budget.seconds is None:
            return
        was_settled, before = budget.settled, budget.planned
        used = budget.after_step(self.step)
        if self.dist.enabled:  # every process follows rank 0's clock
            t = torch.tensor([float(budget.planned), float(used)], device=self.device)
            dist.broadcast(t, src=0)
            budget.planned, used = int(t[0].item()), bool(t[1].item())
        if budget.planned != before:
            for ema in self.ema.values():
                ema.start = round(self.cfg.ema_start * budget.planned / self.cfg.steps)
            bar.total = budget.planned
            bar.refresh()
        if main and budget.settled and not was_settled and self.cfg.progress and budget.planned < self.cfg.steps:
            print(f"time budget {format_duration(budget.seconds)}: about {budget.planned:,} of {self.cfg.steps:,} "
                  f"steps fit ({budget.pace * 1000:.0f} ms a step); the LR schedule and EMA start follow that",
                  file=sys.stderr, flush=True)
        if used and self.stop_reason is None:
            self.request_stop(f"time budget of {format_duration(budget.seconds)} used")

    def _sync_buffers(self) -> None:
        """Give every process rank 0's buffers (batch-norm statistics, spectral-norm vectors).

        DDP broadcasts buffers only at the start of a forward pass, so after a step they drift;
        syncing at the step boundary keeps checkpoints, EMA and samples identical on all ranks.
        """
        for module in self.gan.networks().values():
            for buf in unwrap(module).buffers():
                dist.broadcast(buf, src=0)

    def _agree(self, flag: bool) -> bool:
        """True when ``flag`` is true on any process (a no-op when not distributed)."""
        if not self.dist.enabled:
            return flag
        t = torch.tensor([float(flag)], device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item())

    def _diverged(self, phase: str) -> None:
        path = self.checkpoint_path
        can_roll = self.cfg.nan_policy == "rollback" and path is not None and path.exists()
        if not can_roll or self.rollbacks >= MAX_ROLLBACKS:
            where = f"the last good checkpoint is {path}" if path is not None and path.exists() else "no checkpoint"
            why = f" after {self.rollbacks} rollbacks" if self.rollbacks else ""
            raise TrainingDiverged(
                f"the {phase} loss became NaN/Inf at step {self.step}{why}; the weights were not updated with it "
                f"({where}). Lower the learning rates, add gan.penalty or model.spectral_norm, set "
                f"train.precision=fp32, or use train.nan_policy=rollback.")
        rollbacks = self.rollbacks + 1
        bad_step = self.step
        self.load(path)
        self.rollbacks = rollbacks
        seed_everything(self.cfg.seed + self.dist.rank + 7919 * rollbacks)  # do not replay the same noise
        if self.dist.is_main:
            print(f"\nnon-finite {phase} loss at step {bad_step}: rolled back to step {self.step} "
                  f"(rollback {rollbacks} of {MAX_ROLLBACKS})", file=sys.stderr)

    def _gather_rng(self) -> list[dict[str, Any]]:
        state = rng_state()
        if not self.dist.enabled:
            return [state]
        gathered: list[Any] = [None] * self.dist.world_size
        dist.all_gather_object(gathered, state)
        return gathered

    def _start_run_dir(self, resumed: bool) -> None:
        run_dir = self.run_dir
        (run_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
        for folder in (run_dir, run_dir / "samples"):
            remove_leftovers_in(folder)  # what writes of a killed earlier start left behind
        import yaml

        write_text(run_dir / "config.yaml", yaml.safe_dump(self.run_config, sort_keys=False))
        info_path = run_dir / "run.json"
        info = json.loads(info_path.read_text()) if resumed and info_path.exists() else {}
        info.setdefault("starts", []).append({
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "step": self.step, "argv": sys.argv,
            "device": str(self.device), "precision": str(self.dtype).replace("torch.", ""),
            "precision_reason": self.precision_reason, "threads": torch.get_num_threads(),
            "channels_last": self.memory_format == torch.channels_last, "world_size": self.dist.world_size,
            "seed": self.cfg.seed, **provenance(), "torch": torch.__version__, "python": platform.python_version(),
            "host": platform.node(), "gan": self.gan.describe() if hasattr(self.gan, "describe") else None,
        })
        write_json(info_path, info)
        self.log = ScalarLog(run_dir, tensorboard=self.cfg.tensorboard, resume_step=self.step if resumed else None)


def describe_data(data: Any, batch: Any) -> str:
    """``mnist, 5000 images 1x28x28, 10 classes``: a data set's name, size, sample shape (read from one of
    its batches) and classes."""
    sample = _samples_of(next(iter(batch.values()), None) if isinstance(batch, dict) else batch)
    shape = tuple(sample.shape[1:]) if sample is not None else ()
    unit = getattr(data, "unit", "images" if len(shape) == 3 else "points")
    size = "x".join(map(str, shape)) if len(shape) != 1 else f"of {shape[0]} values"
    parts = [f"{len(data)} {unit} {size}".rstrip()]
    if getattr(data, "labels", None) is not None:
        parts.append(f"{data.num_classes} classes")
    name = getattr(data, "name", None)
    return ", ".join([name, *parts] if name else parts)


def _samples_of(batch: Any) -> Tensor | None:
    """The samples in a batch: the batch itself, the first item of a tuple (e.g. images, labels), or None."""
    if isinstance(batch, (list, tuple)):
        batch = batch[0] if batch else None
    return batch if isinstance(batch, Tensor) else None


def _to_device(batch: Any, device: torch.device, memory_format: torch.memory_format) -> Any:
    if isinstance(batch, Tensor):
        batch = batch.to(device, non_blocking=True)
        return batch.contiguous(memory_format=memory_format) if batch.ndim == 4 else batch
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to_device(b, device, memory_format) for b in batch)
    if isinstance(batch, dict):
        return {k: _to_device(v, device, memory_format) for k, v in batch.items()}
    return batch


@contextmanager
def _interrupt_flag() -> Iterator[threading.Event]:
    """First Ctrl-C (or SIGTERM, e.g. a scheduler pre-empting the job) sets a flag: the loop saves and
    stops at the end of the step. A second signal aborts at once."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, frame: Any) -> None:
        if flag.is_set():
            raise KeyboardInterrupt
        flag.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _progress(total: int, initial: int, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, disable=not enabled, unit="step", dynamic_ncols=True,
                mininterval=1.0, file=sys.stderr)
