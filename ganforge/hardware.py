"""What this machine's CPU can do, read from its flags (no timing, no torch kernels run): the base of the
precision rule (``ganforge.training.runtime.choose_precision``) and of the feature extractors' bf16 choice."""

from __future__ import annotations

import torch

__all__ = ["NATIVE_BF16_FLAGS", "cpu_bf16", "cpu_flags", "cpu_has_fast_bf16"]


#: CPU flags (as Linux's /proc/cpuinfo spells them) of instructions that compute bf16 natively. On
#: other AVX-512 CPUs oneDNN emulates bf16, which is about 2x slower than fp32.
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_flags(path: str = "/proc/cpuinfo") -> frozenset[str] | None:
    """This CPU's feature flags as Linux lists them in ``path`` (None where there is no such file)."""
    try:
        with open(path) as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("flags", "Features"):  # x86, ARM
                    return frozenset(value.split())
    except OSError:
        return None
    return frozenset()


def cpu_has_fast_bf16() -> bool:
    """Whether this CPU has native bf16 matrix instructions (AVX512-BF16 or AMX) that torch can use."""
    return cpu_bf16()[0]


def cpu_bf16() -> tuple[bool, str]:
    """(native bf16 on this CPU, why), from the CPU flags: torch's own check
    (``torch.ops.mkldnn._is_mkldnn_bf16_supported``) is also true where oneDNN only emulates bf16."""
    flags = cpu_flags()
    if flags is None:
        return False, "native bf16 cannot be detected on this OS (no /proc/cpuinfo)"
    found = [f for f in NATIVE_BF16_FLAGS if f in flags]
    if not found:
        return False, f"this CPU has no native bf16 (no {'/'.join(NATIVE_BF16_FLAGS)} in /proc/cpuinfo)"
    if not torch.backends.mkldnn.is_available():
        return False, f"this CPU has {'/'.join(found)} but this torch build has no oneDNN to use it"
    return True, f"this CPU has native bf16 ({'/'.join(found)} in /proc/cpuinfo)"


