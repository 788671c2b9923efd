"""Full-state checkpoints, written atomically and read back safely (no pickle of code)."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Any

import torch

from ganforge.errors import CheckpointError
from ganforge.io import atomic_write

FORMAT = 1


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """Write ``state`` to ``path`` via a temporary file and a rename: never a half-written file.

    Temporaries left by killed saves are removed first; a full disk raises OutputError.
    """
    return atomic_write(path, lambda f: torch.save({"format": FORMAT, **state}, f), cleanup=True)


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint (tensors and plain data only), onto the CPU by default."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:  # torch's text advises loading with weights_only=False: not repeated
        found = re.search(r"Unsupported global: GLOBAL (\S+)", str(exc))
        if found:
            raise CheckpointError(f"refusing checkpoint {path}: it holds Python objects ({found.group(1)}), not only "
                                  f"tensors and plain data; loading those could run code, so ganforge does not") from None
        detail = re.search(r"WeightsUnpickler error:\s*(.+)", str(exc))
        raise CheckpointError(f"cannot read checkpoint {path}: not a valid checkpoint"
                              + (f" ({detail.group(1).strip()})" if detail else "")) from None
    except Exception as exc:  # torch raises many kinds for corrupt files
        raise CheckpointError(f"cannot read checkpoint {path}: {exc}") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a ganforge checkpoint (format {FORMAT})")
    return state
