"""Data files that are too large, or licensed too narrowly, to ship in the package: found on disk.

A file is looked up in ``$GANFORGE_DATA``, then in ``shared/data`` beside the working directory or any
folder above it (a project checkout's ``../shared/data``), then beside the installed package likewise.
"""

from __future__ import annotations

import os
from pathlib import Path

from ganforge.errors import DataError

__all__ = ["ENV_DATA", "shared_file"]

ENV_DATA = "GANFORGE_DATA"


def _candidates(name: str) -> list[Path]:
    found = []
    if os.environ.get(ENV_DATA):
        found.append(Path(os.environ[ENV_DATA]).expanduser() / name)
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            found.append(folder / "shared" / "data" / name)
    return found


def shared_file(name: str, what: str) -> Path:
    """The path of the data file ``name`` (``what`` describes it in the error when it is not found)."""
    for path in _candidates(name):
        if path.is_file():
            return path
    raise DataError(f"{what}: {name} not found; put it in a folder named by ${ENV_DATA} "
                    f"(or in shared/data above the working directory)")
