"""The one exception type raised by :mod:`ganforge.data` for bad input (defined in :mod:`ganforge.errors`)."""

from ganforge.errors import DataError

__all__ = ["DataError"]
