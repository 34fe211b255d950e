"""How a failure is logged and kept: what failed and where, never what it was about.

An exception's message may quote a value (a database error can quote what was written, a
KeyError the text it looked up): people's words stay out of logs and of stored failure
reasons. The log gets the class (and that of the driver error it wraps) and, when debugging,
the frames where it was raised.
"""

from __future__ import annotations

import logging
import traceback


def what(e: BaseException) -> str:
    """An exception's class, and the class of the driver error it wraps: never its message."""
    cause = getattr(e, "orig", None) or e.__cause__
    return e.__class__.__name__ + (f" ({cause.__class__.__name__})" if cause is not None else "")


def log(
    logger: logging.Logger,
    e: BaseException,
    message: str,
    *args: object,
    extra: dict[str, object] | None = None,
) -> str:
    """Log `message % args` with what failed (and, at DEBUG, where); returns what failed.
    `extra`: the line's fields (ids, platform), as for logging's own."""
    failed = what(e)
    logger.error(message + ": %s", *args, failed, extra={**(extra or {}), "error": failed})
    if logger.isEnabledFor(logging.DEBUG):
        where = "".join(traceback.format_tb(e.__traceback__))
        logger.debug(message + " here:\n%s", *args, where, extra=extra)
    return failed
