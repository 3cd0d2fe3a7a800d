"""Log records that never carry personal data or secrets.

An exception's message often quotes the value that caused it: a driver's
``invalid input syntax for type uuid: "..."``, a ``KeyError`` on a trait
name, a ``UnicodeEncodeError`` holding the string. Tracebacks are therefore
written with their frames and exception types (and SQLSTATE) but without
messages, through one formatter on the root logger that uvicorn's own
loggers also reach. SQL parameters are kept out of SQLAlchemy's errors by
the engines (``hide_parameters``; Ory's ``log.leak_sensitive_values`` turns
that off). See decision 0018.

Ory's ``log.level`` and ``log.format`` (``text``, ``json``, ``json_pretty``)
choose the root logger's level and line shape; every record written while a
request is handled carries that request's id (:data:`REQUEST_ID`, set by the
request observer in ``roost.runtime.observe``).
"""

from __future__ import annotations

import contextvars
import logging
import traceback
from collections.abc import Iterable
from typing import Any

import orjson

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(request_suffix)s: %(message)s"

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "roost_request_id", default=None
)
"""The id of the request being handled in this task, if any."""

LEVELS = {
    "trace": logging.DEBUG,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "fatal": logging.CRITICAL,
    "panic": logging.CRITICAL,
}
"""Ory's level names (logrus's) to Python's."""


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


class _RequestIdFilter(logging.Filter):
    """Stamp every record with the current request's id (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = REQUEST_ID.get()
        record.request_id = rid or ""
        record.request_suffix = f" [{rid}]" if rid else ""
        return True


class JsonFormatter(RedactingFormatter):
    """One JSON object per record, in the field names Ory's logrus lines use."""

    def __init__(self, pretty: bool = False) -> None:
        super().__init__()
        self.option = orjson.OPT_INDENT_2 if pretty else 0

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower().replace("warning", "warn"),
            "msg": record.getMessage(),
            "logger": record.name,
        }
        rid = getattr(record, "request_id", "")
        if rid:
            line["request_id"] = rid
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return orjson.dumps(line, option=self.option).decode()


def install(level: int = logging.WARNING, fmt: str = "text") -> None:
    """Configure the root logger for the whole process (workers inherit it)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format=FORMAT)
    root.setLevel(level)
    # aiosqlite's debug records repeat every statement's parameters
    logging.getLogger("aiosqlite").setLevel(max(level, logging.INFO))
    formatter: logging.Formatter = (
        JsonFormatter(pretty=fmt == "json_pretty")
        if fmt in ("json", "json_pretty")
        else RedactingFormatter(TEXT_FORMAT)
    )
    for handler in root.handlers:
        handler.setFormatter(formatter)
        if not any(isinstance(f, _RequestIdFilter) for f in handler.filters):
            handler.addFilter(_RequestIdFilter())


def configure(blocks: Iterable[dict[str, Any] | None]) -> None:
    """Apply the services' ``log`` blocks: the most verbose level any asks for, and
    the first format given (one process, one root logger)."""
    given = [b for b in blocks if isinstance(b, dict)]
    levels = [LEVELS[b["level"]] for b in given if b.get("level") in LEVELS]
    formats = [b["format"] for b in given if isinstance(b.get("format"), str)]
    install(min(levels, default=logging.WARNING), formats[0] if formats else "text")
