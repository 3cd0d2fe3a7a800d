"""Telling a dead database connection from a failed statement, and when a retry is safe.

When PostgreSQL restarts (or a proxy drops idle sessions), every pooled
connection dies with it. The pools learn it lazily: the event loop sees the
socket close, or the next statement fails. Three cases, three answers:

* nothing was sent (the connection was known dead, or could not be opened):
  run the work again on a fresh connection;
* the work failed inside a transaction before COMMIT: the server rolled it
  back with the session, so running it again is safe too;
* the statement or COMMIT was sent and the session died before the answer:
  it may have taken effect, so only idempotent work runs again; anything
  else becomes ``Unavailable`` (503), never a 500.

Retries on a dead database are bounded by time, not count, so a restart of a
second or two is ridden out and a longer outage is answered with a 503.
"""

from __future__ import annotations

import time
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine

RECONNECT_SECONDS = 2.0  # how long one request waits for the database to come back
_GONE_STATES = {"57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006"}
_NEVER_STARTED = {"57P03", "08001", "08004"}  # refused at connect: nothing ran


def _driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception under SQLAlchemy's wrappers.

    SQLAlchemy's asyncpg adapter raises its own exception class with the
    driver's as ``__cause__``, and wraps that in a ``DBAPIError``.
    """
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return exc.orig.__cause__ or exc.orig
    return exc


def _code(exc: BaseException) -> str | None:
    code = getattr(exc, "sqlstate", None)
    return code if isinstance(code, str) else None


def connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` means the connection (or the server) is gone, not the statement wrong."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    driver = _driver_error(exc)
    code = _code(driver)
    if code is not None:
        return code in _GONE_STATES  # the server said what happened: believe it
    if isinstance(
        driver, (OSError, asyncpg.ConnectionDoesNotExistError, asyncpg.InternalClientError)
    ):
        return True  # the last: a session left mid-operation by a FATAL error
    return isinstance(driver, asyncpg.InterfaceError) and "connection is closed" in str(driver)


def nothing_sent(exc: BaseException) -> bool:
    """Whether the failed work certainly never reached the server."""
    driver = _driver_error(exc)
    if isinstance(driver, (ConnectionRefusedError, asyncpg.InternalClientError)):
        return True  # refused at connect, or by asyncpg before sending
    if isinstance(driver, asyncpg.InterfaceError) and "connection is closed" in str(driver):
        return True  # asyncpg refuses before sending on a connection it knows is dead
    return _code(driver) in _NEVER_STARTED


class Deadline:
    """The time one request may spend waiting for the database to come back."""

    def __init__(self, seconds: float = RECONNECT_SECONDS) -> None:
        self.until = time.monotonic() + seconds

    def passed(self) -> bool:
        return time.monotonic() >= self.until


def check_on_checkout(engine: AsyncEngine) -> None:
    """Refuse pooled connections the driver already knows are closed.

    A local check, with no round trip (unlike ``pool_pre_ping``): asyncpg marks a
    connection closed as soon as the event loop sees its socket close, which is
    at once when PostgreSQL shuts down. The pool then opens a fresh one.
    """

    @event.listens_for(engine.sync_engine, "checkout")
    def _alive(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        driver = getattr(dbapi_conn, "driver_connection", None)
        is_closed = getattr(driver, "is_closed", None)
        if is_closed is not None and is_closed():
            raise DisconnectionError("the pooled connection was closed")
