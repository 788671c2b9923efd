"""Full-state checkpoints, written atomically and read back safely (no pickle of code)."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Any

import torch

from ganforge.errors import CheckpointError
from ganforge.io import atomic_write

#: The layout written now; 2 added the GAN's ``extra`` state and the ``ganforge`` version that wrote it.
FORMAT = 2
#: Layouts this version reads (a format 1 checkpoint is one of a GAN type without extra state).
READABLE = (1, 2)


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """Write ``state`` to ``path`` via a temporary file and a rename: never a half-written file.

    Temporaries left by killed saves are removed first; a full disk raises OutputError.
    """
    from ganforge import __version__

    stamped = {"format": FORMAT, "ganforge": __version__, **state}
    return atomic_write(path, lambda f: torch.save(stamped, f), cleanup=True)


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
    if not isinstance(state, dict) or "format" not in state:
        raise CheckpointError(f"{path} is not a ganforge checkpoint (format {FORMAT})")
    if state["format"] not in READABLE:
        from ganforge import __version__

        made_by = f"ganforge {state['ganforge']}" if "ganforge" in state else "another ganforge version"
        raise CheckpointError(f"{path} was written by {made_by} in checkpoint format {state['format']}; ganforge "
                              f"{__version__} reads formats {', '.join(map(str, READABLE))}")
    return state
