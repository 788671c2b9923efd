"""The one exception type raised by :mod:`ganforge.data` for bad input."""


class DataError(ValueError):
    """Bad or unreadable input data; the message names the file, key or value at fault."""
