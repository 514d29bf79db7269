"""The one exception type for problems a user can fix."""


class UserError(ValueError):
    """Bad input, bad params or an unreachable source: a stage prints it as one line, without a traceback.

    A ValueError, so that library callers may catch it as one; any other exception is a bug and
    keeps its traceback.
    """
