"""The one exception type for problems a user can fix, and the integer checks params share."""

import numbers


class UserError(ValueError):
    """Bad input, bad params or an unreachable source: a stage prints it as one line, without a traceback.

    A ValueError, so that library callers may catch it as one; any other exception is a bug and
    keeps its traceback.
    """


def is_integer(value) -> bool:
    """An int or a NumPy integer, and not a bool (which Python counts as an int): what a count or a size in params must be."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_integer(name: str, value, *, minimum: int = 1) -> int:
    """value, if it is an integer of at least minimum; else a UserError naming the param `name`."""
    if not is_integer(value) or value < minimum:
        kind = "a positive integer" if minimum == 1 else "a non-negative integer" if minimum == 0 else f"an integer >= {minimum}"
        raise UserError(f"{name} must be {kind}, got {value!r}")
    return value
