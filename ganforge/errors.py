"""Every error ganforge raises for bad input or a failed write: one module at the bottom of the layers.

The command line turns any :class:`GanforgeError` into one line on stderr and exit code 2; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations


class GanforgeError(Exception):
    """Base of the errors a user can act on; the message names what is wrong."""


class ConfigError(GanforgeError, ValueError):
    """A configuration key, option or value is wrong; the message names it."""


class ConfigWarning(UserWarning):
    """A legal but questionable combination of options."""


class DataError(GanforgeError, ValueError):
    """Bad or unreadable input data; the message names the file, key or value at fault."""


class CheckpointError(GanforgeError, RuntimeError):
    """A checkpoint is missing, unreadable or not a ganforge checkpoint."""


class TrainingDiverged(GanforgeError, RuntimeError):
    """A loss became NaN or infinite; the weights were not updated with it."""


class OutputError(GanforgeError, OSError):
    """An output could not be written (disk full, no permission, or a path ganforge will not overwrite)."""
