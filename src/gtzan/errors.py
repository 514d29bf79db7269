"""The one exception type for problems a user can fix, and the integer test its checks share."""

import numbers


class UserError(ValueError):
    """Bad input, bad params or an unreachable source: a stage prints it as one line, without a traceback.

    A ValueError, so that library callers may catch it as one; any other exception is a bug and
    keeps its traceback.
    """


def is_integer(value) -> bool:
    """An int or a NumPy integer, and not a bool (which Python counts as an int): what a count or a size in params must be."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
