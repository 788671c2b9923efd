"""Where and how computation runs: device, precision, seeds, RNG state, distributed set-up."""

from __future__ import annotations

import contextlib
import datetime
import os
import random
import warnings
from dataclasses import dataclass
from typing import Any, ContextManager

import numpy as np
import torch
import torch.distributed as dist

from ganforge import hardware
from ganforge.hardware import NATIVE_BF16_FLAGS, cpu_flags, cpu_has_fast_bf16  # noqa: F401  (used from here too)


@dataclass(frozen=True)
class Distributed:
    """This process's place in a data-parallel job (world_size 1 when not distributed)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_distributed(device: torch.device, timeout: float = 600.0) -> Distributed:
    """Join the process group that ``torchrun`` describes in the environment (gloo on CPU, NCCL on GPU).

    ``timeout`` (seconds) bounds how long a collective waits for a stalled rank before the job fails.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Distributed()
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend=backend, timeout=datetime.timedelta(seconds=timeout))
    return Distributed(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def shutdown_distributed(synchronize: bool = True) -> None:
    """Leave the process group, after every rank has arrived when ``synchronize`` (so that no rank
    tears down its communication threads while another still uses them); a no-op when not distributed."""
    if dist.is_available() and dist.is_initialized():
        if synchronize:
            dist.barrier()
        dist.destroy_process_group()


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA when present (this process's local rank's GPU under torchrun), else CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and "LOCAL_RANK" in os.environ:
        name = f"cuda:{os.environ['LOCAL_RANK']}"
    device = torch.device(name)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(f"train.device={name} but CUDA is not available on this machine")
        if device.index is None:  # torch.cuda.set_device refuses a device without an index
            device = torch.device("cuda", torch.cuda.current_device())
        torch.cuda.set_device(device)
    return device


#: Why ``auto`` trains in fp32 on CUDA: measured on an H200 (torch 2.11), bf16 autocast ran the default
#: DCGAN at batch 64 at 0.66x the fp32 Trainer (small networks are bound by kernel launches, and autocast
#: adds casts); fp32 convolutions and matmuls use the TF32 tensor cores instead.
CUDA_AUTO_REASON = ("fp32 with TF32 tensor cores: bf16 autocast was measured slower for GANs of this size on "
                    "an H200; set precision: bf16 for large networks")


def choose_precision(precision: str, device: torch.device) -> tuple[torch.dtype, str]:
    """The dtype to train in and why: on a CPU ``auto`` is bf16 only where it is native (AVX512-BF16 or
    AMX), so it is never slower than fp32; on CUDA it is fp32 with TF32 tensor cores (see
    :data:`CUDA_AUTO_REASON`); ``bf16`` and ``fp32`` are obeyed."""
    if device.type == "cuda":
        native = torch.cuda.is_bf16_supported()
        why = "CUDA device with bf16 support" if native else "this CUDA device has no bf16 support"
        if precision == "auto":
            torch.set_float32_matmul_precision("high")  # TF32 matmuls; cuDNN convolutions use TF32 by default
            return torch.float32, CUDA_AUTO_REASON
    elif device.type == "cpu":
        native, why = hardware.cpu_bf16()
    else:
        native, why = False, f"bf16 autocast is not used on {device.type}"
    if precision == "fp32":
        return torch.float32, "fp32: as configured"
    if precision == "bf16":
        if not native:
            warnings.warn(f"bf16 was asked for but {why}: it will be slower than fp32", stacklevel=2)
            return torch.bfloat16, f"bf16: as configured, although {why}: emulated, slower than fp32"
        return torch.bfloat16, "bf16: as configured"
    return (torch.bfloat16, f"bf16: {why}") if native else (torch.float32, f"fp32: {why}")


def resolve_precision(precision: str, device: torch.device) -> torch.dtype:
    """The dtype of :func:`choose_precision` without the reason."""
    return choose_precision(precision, device)[0]


def autocast(device: torch.device, dtype: torch.dtype) -> ContextManager[Any]:
    """Mixed-precision context for ``dtype`` (a no-op for fp32)."""
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def set_deterministic(enabled: bool) -> None:
    """Deterministic kernels (and no cuDNN autotuning) when ``enabled``; autotuning otherwise."""
    if enabled:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(enabled)
    torch.backends.cudnn.deterministic = enabled
    torch.backends.cudnn.benchmark = not enabled


def rng_state() -> dict[str, Any]:
    """Every RNG state of this process, in a form ``torch.load(weights_only=True)`` accepts."""
    np_state = np.random.get_state()
    state = {
        "python": list(_listify(random.getstate())),
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *np_state[2:]],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` captured."""
    random.setstate(_tuplify(state["python"]))
    np_state = state["numpy"]
    np.random.set_state((np_state[0], np_state[1].numpy().astype(np.uint32), *np_state[2:]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _listify(x: Any) -> Any:
    return [_listify(v) for v in x] if isinstance(x, (tuple, list)) else x


def _tuplify(x: Any) -> Any:
    return tuple(_tuplify(v) for v in x) if isinstance(x, list) else x
