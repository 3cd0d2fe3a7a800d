"""Log records that never carry personal data or secrets.

An exception's message often quotes the value that caused it: a driver's
``invalid input syntax for type uuid: "..."``, a ``KeyError`` on a trait
name, a ``UnicodeEncodeError`` holding the string. Tracebacks are therefore
written with their frames and exception types (and SQLSTATE) but without
messages, through one formatter on the root logger that uvicorn's own
loggers also reach. SQL parameters are kept out of SQLAlchemy's errors by
the engines (``hide_parameters``; Ory's ``log.leak_sensitive_values`` turns
that off). See decision 0018.
"""

from __future__ import annotations

import logging
import traceback

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes, outermost last (the order Python prints them)."""
    out: list[BaseException] = []
    item: BaseException | None = exc
    while item is not None and item not in out:
        out.append(item)
        item = item.__cause__ or (None if item.__suppress_context__ else item.__context__)
    return out[::-1]


def describe(exc: BaseException) -> str:
    """The exception's type, and its SQLSTATE when a database raised it; never its message."""
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    orig = getattr(exc, "orig", None)
    for source in (exc, orig, getattr(orig, "__cause__", None)):
        code = getattr(source, "sqlstate", None) or getattr(source, "pgcode", None)
        if isinstance(code, str):
            return f"{name} (SQLSTATE {code})"
    return name


def format_traceback(exc: BaseException) -> str:
    """Every frame of every exception in the chain, each ending in :func:`describe`."""
    parts = []
    for item in _chain(exc):
        frames = "".join(traceback.format_tb(item.__traceback__))
        parts.append(f"Traceback (most recent call last):\n{frames}{describe(item)}")
    return "\n\nwhich led to:\n\n".join(parts)


class RedactingFormatter(logging.Formatter):
    """The usual line, with tracebacks stripped of exception messages."""

    def formatException(self, ei: object) -> str:
        if isinstance(ei, tuple) and len(ei) == 3 and isinstance(ei[1], BaseException):
            return format_traceback(ei[1])
        return ""


def install(level: int = logging.WARNING) -> None:
    """Configure the root logger once for the whole process (workers inherit it)."""
    logging.basicConfig(level=level, format=FORMAT)
    # aiosqlite's debug records repeat every statement's parameters
    logging.getLogger("aiosqlite").setLevel(max(level, logging.INFO))
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(FORMAT))
