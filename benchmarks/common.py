"""Helpers shared by the benchmark scripts (run as ``python benchmarks/NAME.py``, so importable as ``common``)."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any


def cpu_name() -> str:
    """The CPU's model name from /proc/cpuinfo (else what ``platform`` knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


#: The CPU flags that decide how fast training is: vector width, and native bf16 (AVX512-BF16, AMX).
SPEED_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")


def cpu_speed_flags() -> list[str] | None:
    """Which of :data:`SPEED_FLAGS` this CPU has (None where the OS does not list CPU flags)."""
    from ganforge.training.runtime import cpu_flags

    flags = cpu_flags()
    return None if flags is None else [f for f in SPEED_FLAGS if f in flags]


def machine() -> dict[str, Any]:
    """What a result was measured on: CPU and its speed flags, what ``precision: auto`` picks there and why,
    cores, torch threads, versions, load average."""
    import torch

    import ganforge
    from ganforge.training.runtime import choose_precision

    return {"cpu": cpu_name(), "cpu_flags": cpu_speed_flags(),
            "cpu_auto_precision": choose_precision("auto", torch.device("cpu"))[1], "cores": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "ganforge": ganforge.__version__,
            "python": platform.python_version(), "load": os.getloadavg()}


def write_result(result: dict[str, Any], path: str | Path) -> Path:
    """Write a benchmark's JSON result (creating its folder) and say where."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return out
