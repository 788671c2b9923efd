"""What ganforge prints besides its results, at one verbosity the command line sets (``-q`` / ``-v``).

``info`` lines say what happened ("wrote 64 samples to out/"), ``debug`` lines add detail, and
``progress_enabled()`` tells a progress bar whether to show. When a command writes its output to
standard output (``--out -``) it calls :func:`output_on_stdout`, and info lines move to stderr so
they never mix with the data. The Python API runs at ``NORMAL`` unless told otherwise.
"""

from __future__ import annotations

import sys
from typing import TextIO

QUIET, NORMAL, VERBOSE = 0, 1, 2

_level = NORMAL
_stdout_taken = False


def set_verbosity(level: int) -> None:
    """``QUIET`` (results only), ``NORMAL``, or ``VERBOSE`` (debug lines, full tracebacks)."""
    global _level
    _level = max(QUIET, min(VERBOSE, int(level)))


def verbosity() -> int:
    return _level


def progress_enabled() -> bool:
    return _level > QUIET


def output_on_stdout(taken: bool = True) -> None:
    """Standard output carries the command's data: info lines go to stderr from now on."""
    global _stdout_taken
    _stdout_taken = taken


def _info_stream() -> TextIO:
    return sys.stderr if _stdout_taken else sys.stdout


def info(message: str) -> None:
    """A line saying what happened; silent under ``-q``."""
    if _level >= NORMAL:
        print(message, file=_info_stream(), flush=True)


def debug(message: str) -> None:
    """A detail for ``-v``; on stderr."""
    if _level >= VERBOSE:
        print(message, file=sys.stderr, flush=True)
