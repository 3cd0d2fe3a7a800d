"""Telling a value the database cannot store from every other storage failure.

Each service's validation module refuses such values before any SQL runs
(decision 0018); this is the net beneath it. PostgreSQL and CockroachDB
answer with SQLSTATE class 22 (22001 too long, 22P02 bad text form, 22021
bad encoding, 22003 out of range, ...); SQLite's driver fails before
sending (``UnicodeEncodeError`` for a lone surrogate, ``OverflowError`` for
an integer over 64 bits) or answers ``SQLITE_TOOBIG`` (``sqlite3.DataError``);
asyncpg fails while encoding the same way. Every one of them means bad
input, so the database layer answers :class:`~roost.core.errors.Invalid`
after the transaction rolled back. The error never repeats the driver's
message: that message quotes the value, which may be personal data.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import DataError, StatementError

from roost.core.errors import Invalid
from roost.core.limits import text_problem

_ENCODING = (UnicodeError, OverflowError)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc``, the driver error SQLAlchemy wraps, and that error's own cause."""
    out = [exc]
    orig = getattr(exc, "orig", None) if isinstance(exc, StatementError) else None
    for item in (orig, getattr(orig, "__cause__", None), exc.__cause__):
        if isinstance(item, BaseException) and item not in out:
            out.append(item)
    return out


def _code(exc: BaseException) -> str | None:
    code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return code if isinstance(code, str) else None


def data_error_code(exc: BaseException) -> str | None:
    """A short name of the data error ``exc`` is (its SQLSTATE when it has one), or None."""
    for item in _causes(exc):
        code = _code(item)
        if code is not None:
            return code if code.startswith("22") else None
        if isinstance(item, _ENCODING):
            return type(item).__name__
        if isinstance(item, (sqlite3.DataError, DataError)):
            return "SQLITE_TOOBIG" if "too big" in str(item) else "data error"
    return None


def refuse_unstorable(parameters: Any) -> None:
    """SQLite's half of the net: it keeps NUL and lone surrogates that PostgreSQL refuses.

    Called on every statement SQLAlchemy sends to SQLite, so a value that got
    past validation fails there as it would on PostgreSQL, instead of being
    committed and breaking every later read of the row.
    """
    stack = [parameters]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if text_problem(item) is not None:
                raise sqlite3.DataError("a text value holds NUL or a lone UTF-16 surrogate")
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, Mapping):
            stack.extend(item.values())


def as_invalid(exc: BaseException) -> Invalid | None:
    """The 400 for a data error, or None when ``exc`` is some other failure."""
    code = data_error_code(exc)
    if code is None:
        return None
    return Invalid(f"the request holds a value the database cannot store ({code})")
