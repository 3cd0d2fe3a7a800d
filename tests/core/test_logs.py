"""Tracebacks in the logs keep their frames and types, never an exception's message."""

from __future__ import annotations

import io
import logging

from roost.core.logs import RedactingFormatter, describe, format_traceback

SECRET = "alice@example.com"


def _raise() -> None:
    try:
        raise KeyError(SECRET)
    except KeyError as exc:
        raise ValueError(f"bad value {SECRET}") from exc


def test_traceback_without_messages() -> None:
    try:
        _raise()
    except ValueError as exc:
        text = format_traceback(exc)
    assert SECRET not in text
    assert "builtins.KeyError" in text and "builtins.ValueError" in text
    assert "_raise" in text  # the frames stay


def test_formatter_on_a_logger() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(message)s"))
    log = logging.getLogger("tests.core.logs")
    log.addHandler(handler)
    try:
        try:
            _raise()
        except ValueError:
            log.exception("unhandled error: %s", "ValueError")
    finally:
        log.removeHandler(handler)
    assert "unhandled error: ValueError" in stream.getvalue()
    assert SECRET not in stream.getvalue()


def test_describe_keeps_sqlstate() -> None:
    class DriverError(Exception):
        sqlstate = "22001"

    assert describe(DriverError(SECRET)).endswith("DriverError (SQLSTATE 22001)")
