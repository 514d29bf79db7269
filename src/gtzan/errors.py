"""The one exception type for problems a user can fix, and the checks params share."""

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


def check_keys(where: str, block, valid: list[str]) -> None:
    """UserError unless block is a mapping whose keys are all in valid; `where` names it (params.yaml models.x)."""
    if not isinstance(block, dict):
        raise UserError(f"{where} must be a mapping with keys {valid}, got {block!r}")
    unknown = sorted(set(block) - set(valid))
    if unknown:
        raise UserError(f"{where} has unknown keys {unknown}; valid keys are {valid}")
