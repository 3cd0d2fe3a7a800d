"""One async engine per service database, with the transaction helper every write uses.

CockroachDB runs SERIALIZABLE and expects clients to retry SQLSTATE 40001; we
run PostgreSQL at SERIALIZABLE too, so the same retry path is exercised in tests.
SQL errors are translated into domain errors here and nowhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, NoReturn, TypeVar

import asyncpg
from sqlalchemy import event
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    StatementError,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from roost.core.errors import ConcurrentUpdate, Conflict, NotFound, Unavailable
from roost.storage.data_errors import as_invalid, refuse_unstorable
from roost.storage.dsn import ParsedDSN, parse_dsn
from roost.storage.hot import HotPool
from roost.storage.liveness import Deadline, check_on_checkout, connection_lost, nothing_sent
from roost.storage.sqlite_uuid import install as dashed_uuids
from roost.storage.ssl import asyncpg_ssl

T = TypeVar("T")
RawFetch = Callable[[str, Any], Awaitable[list[Sequence[Any]]]]
# InternalClientError: asyncpg's state machine, left mid-operation when the server died.
_DRIVER_ERRORS = (
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    sqlite3.Error,
    # a value no driver can encode (a lone surrogate, an integer over 64 bits),
    # raised raw or wrapped by SQLAlchemy: bad input, see roost.storage.data_errors
    UnicodeError,
    OverflowError,
    StatementError,
)
log = logging.getLogger("roost.storage")

RETRYABLE = frozenset({"40001", "40P01", "CR000"})  # serialization failure, deadlock
AMBIGUOUS = "40003"
MAX_ATTEMPTS = 20
_BASE_DELAY = 0.005
_MAX_DELAY = 0.5


def sqlstate(exc: BaseException) -> str | None:
    """SQLSTATE of a driver error (asyncpg, psycopg), or a pseudo code for SQLite."""
    orig = getattr(exc, "orig", exc)
    for obj in (orig, getattr(orig, "__cause__", None)):
        code = getattr(obj, "sqlstate", None) or getattr(obj, "pgcode", None)
        if isinstance(code, str):
            return code
    text = str(orig).lower()
    if "database is locked" in text or "database table is locked" in text:
        return "40001"  # SQLite's busy writer: safe to retry the whole transaction
    if "unique constraint failed" in text:
        return "23505"
    if "foreign key constraint failed" in text:
        return "23503"
    return None


def translate(exc: DBAPIError) -> Exception:
    """Map a driver error to a domain error (23505 → Conflict, 23503 → NotFound)."""
    code = sqlstate(exc)
    if code == "23505" or (code is None and isinstance(exc, IntegrityError)):
        return Conflict("a resource with that value exists already")
    if code == "23503":
        return NotFound("a referenced resource does not exist")
    if code in RETRYABLE:
        return ConcurrentUpdate()
    if (
        isinstance(exc, (OperationalError, InterfaceError))
        or code is None
        or code[:2]
        in {
            "08",
            "57",
            "53",
        }
    ):
        return Unavailable("the database cannot be reached")
    return exc


def translate_driver(exc: Exception) -> Exception:
    """:func:`translate` for an error raised by the driver itself (the raw hot path)."""
    code = sqlstate(exc)
    if code == "23505" or (code is None and isinstance(exc, sqlite3.IntegrityError)):
        return Conflict("a resource with that value exists already")
    if code == "23503":
        return NotFound("a referenced resource does not exist")
    if code in RETRYABLE:
        return ConcurrentUpdate()
    if code is None or code[:2] in {"08", "57", "53"} or isinstance(exc, OSError):
        return Unavailable("the database cannot be reached")
    return exc


def _domain(exc: Exception) -> Exception:
    """The domain error for any storage failure; a lost connection is ``Unavailable``.

    A value the database cannot store is ``Invalid`` (the transaction it failed
    in has rolled back); a SQLAlchemy error that is no driver's stays itself.
    """
    invalid = as_invalid(exc)
    if invalid is not None:
        return invalid
    if connection_lost(exc):
        return Unavailable("the database cannot be reached")
    if isinstance(exc, DBAPIError):
        return translate(exc)
    if isinstance(exc, StatementError):
        return exc
    return translate_driver(exc)


def _raise_domain(exc: Exception) -> NoReturn:
    """Raise :func:`_domain`'s error for ``exc``, chained to it unless it is ``exc`` itself."""
    error = _domain(exc)
    if error is exc:
        raise exc
    raise error from exc


def _read_error(exc: Exception) -> Exception:
    """The domain error for a failed hand-written read: no driver error escapes the hot path."""
    invalid = as_invalid(exc)
    if invalid is not None:
        return invalid
    if isinstance(exc, DBAPIError):
        return translate(exc)
    if sqlstate(exc) in RETRYABLE:
        return ConcurrentUpdate()
    return Unavailable("the database cannot be reached")


def _why(code: str | None) -> str:
    return f"SQLSTATE {code}" if code else "a lost connection"


def _backoff(attempt: int) -> float:
    """Capped exponential backoff with full jitter (CockroachDB's recommended shape)."""
    return random.uniform(0, min(_MAX_DELAY, _BASE_DELAY * 2**attempt))


def _engine(
    parsed: ParsedDSN,
    size: int,
    idle: int,
    settings: dict[str, str] | None = None,
    *,
    leak: bool = False,
) -> AsyncEngine:
    pool = parsed.pool
    engine = create_async_engine(
        parsed.sqlalchemy_url,
        hide_parameters=not leak,
        pool_size=idle,
        max_overflow=size - idle,
        pool_recycle=int(pool.max_conn_lifetime) if pool.max_conn_lifetime else 1800,
        pool_pre_ping=False,
        isolation_level="SERIALIZABLE",
        connect_args={
            **asyncpg_ssl(parsed.connect_args),
            "server_settings": {"application_name": "roost", **(settings or {})},
        },
    )
    check_on_checkout(engine)
    return engine


def _engines(parsed: ParsedDSN, leak: bool) -> tuple[AsyncEngine, AsyncEngine | HotPool]:
    """The main engine and the pool for hand-written hot statements.

    Unless ``leak`` (Ory's ``log.leak_sensitive_values``), SQLAlchemy's errors
    never carry the statement's parameters (e-mails, traits, secret hashes),
    so neither do the tracebacks logged from them.

    ``max_conns`` (default 20) is split between them. On PostgreSQL the hot
    pool's sessions use generic plans for prepared statements: its statements
    are few, fixed and checked to plan well generically, and re-planning them
    on every execution (PostgreSQL's choice under "auto") cost more CPU than
    running them. CockroachDB caches plans by itself.
    """
    if parsed.dialect == "sqlite":
        engine = _sqlite_engine(parsed, leak)
        return engine, engine
    total = max(parsed.pool.max_conns or 20, 2)
    idle_total = min(parsed.pool.max_idle_conns or total, total)
    main, hot = total - total // 2, total // 2
    main_idle = min(main, idle_total - idle_total // 2) or 1
    hot_idle = min(hot, idle_total // 2) or 1
    generic = {"plan_cache_mode": "force_generic_plan"} if parsed.dialect == "postgres" else {}
    return _engine(parsed, main, main_idle, leak=leak), HotPool(parsed, hot, hot_idle, generic)


@contextlib.asynccontextmanager
async def _sqlite_driver(engine: AsyncEngine) -> AsyncIterator[Any]:
    """aiosqlite's connection under a pooled SQLAlchemy one (SQLite has no hot pool)."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        yield raw.driver_connection


def _sqlite_engine(parsed: ParsedDSN, leak: bool = False) -> AsyncEngine:
    memory = parsed.sqlite_path == ":memory:"
    engine = create_async_engine(
        parsed.sqlalchemy_url,
        hide_parameters=not leak,
        poolclass=StaticPool if memory else None,
        connect_args={"timeout": 30},
    )
    dashed_uuids(engine.sync_engine.dialect)  # UUIDs as the API writes them (decision 0026)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # aiosqlite: let SQLAlchemy emit BEGIN itself so writers take the lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            "busy_timeout=30000",
            "synchronous=NORMAL",
        ):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _storable(
        _conn: Any, _cursor: Any, _sql: str, parameters: Any, _ctx: Any, _many: bool
    ) -> None:
        refuse_unstorable(parameters)

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

    return engine


class Database:
    """A service's database: the engine, its dialect, and the transaction helpers."""

    def __init__(self, dsn: str, *, leak_sensitive_values: bool = False) -> None:
        self.parsed = parse_dsn(dsn)
        self.dialect = self.parsed.dialect
        self.engine, hot = _engines(self.parsed, leak_sensitive_values)
        # Reads that need no snapshot run without BEGIN/COMMIT round trips.
        self.autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.hot: HotPool | None = hot if isinstance(hot, HotPool) else None
        self.queries = 0  # statements sent; exported as a metric
        self.retries = 0  # statements or transactions run again (40001, lost connections)

    def pool_use(self) -> dict[str, float]:
        """Connections open and in use in this worker's pools, for the metrics page."""
        pool: Any = self.engine.pool
        out: dict[str, float] = {}
        if hasattr(pool, "checkedout") and hasattr(pool, "checkedin"):
            busy = pool.checkedout()
            out['roost_sql_pool_connections{pool="main",state="in_use"}'] = busy
            out['roost_sql_pool_connections{pool="main",state="open"}'] = busy + pool.checkedin()
        if self.hot is not None:
            out.update(self.hot.use())
        return out

    async def close(self) -> None:
        await self.engine.dispose()
        if self.hot is not None:
            await self.hot.close()

    def _hot_connection(self) -> contextlib.AbstractAsyncContextManager[Any]:
        """A driver connection for hand-written SQL: asyncpg's pool, or SQLite's engine."""
        if self.hot is not None:
            return self.hot.acquire()
        return _sqlite_driver(self.autocommit)

    async def read(self, fn: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``fn`` on an autocommit connection (each statement is its own snapshot).

        Under SERIALIZABLE even a lone SELECT can fail with 40001 while writers
        touch the rows it reads; ``fn`` only reads, so it is simply run again,
        as it is on a fresh connection when its connection died under it.
        """
        deadline = Deadline()
        for attempt in range(MAX_ATTEMPTS):
            try:
                async with self.autocommit.connect() as conn:
                    return await fn(conn)
            except (DBAPIError, *_DRIVER_ERRORS) as exc:
                code = sqlstate(exc)
                lost = connection_lost(exc)
                if not (code in RETRYABLE or lost) or attempt == MAX_ATTEMPTS - 1:
                    _raise_domain(exc)
                if lost and deadline.passed():
                    raise Unavailable("the database cannot be reached") from exc
                log.debug(
                    "retrying read after %s (attempt %d)", code or "a lost connection", attempt
                )
                self.retries += 1
                await asyncio.sleep(_backoff(attempt))
        raise ConcurrentUpdate()

    @contextlib.asynccontextmanager
    async def raw_reader(self) -> AsyncIterator[RawFetch]:
        """One pooled connection for a burst of hand-written reads (the hottest path only).

        Skips SQLAlchemy's statement machinery: the yielded function sends SQL
        text with the driver's placeholders ($n for asyncpg, ? for SQLite) and
        asyncpg reuses its prepared statement by text. Holding one connection
        for the burst saves a pool checkout per statement; it is checked out on
        the first statement, so a burst that turns out to need none (a cache
        hit) costs no checkout at all. A connection that dies is swapped for a
        fresh one and the read sent again.
        """
        held: contextlib.AbstractAsyncContextManager[Any] | None = None
        driver: Any = None
        deadline = Deadline()

        async def drop(exc: BaseException | None = None) -> None:
            nonlocal held, driver
            if held is not None:
                with contextlib.suppress(*_DRIVER_ERRORS):
                    await held.__aexit__(None if exc is None else type(exc), exc, None)
            held = driver = None

        async def fetch(sql: str, params: Any) -> list[Sequence[Any]]:
            nonlocal held, driver
            for attempt in range(MAX_ATTEMPTS):
                try:
                    if driver is None:
                        opening = self._hot_connection()
                        driver = await opening.__aenter__()
                        held = opening  # only a connection actually checked out is returned
                    return await self._fetch_on(driver, sql, params)
                except (DBAPIError, *_DRIVER_ERRORS) as exc:
                    lost = connection_lost(exc)
                    if lost:
                        await drop(exc)
                    retry = sqlstate(exc) in RETRYABLE or (lost and not deadline.passed())
                    if not retry or attempt == MAX_ATTEMPTS - 1:
                        raise _read_error(exc) from exc
                    log.debug("retrying read after %s", _why(sqlstate(exc)))
                    self.retries += 1
                    await asyncio.sleep(_backoff(attempt))
            raise ConcurrentUpdate()

        try:
            yield fetch
        finally:
            await drop()

    async def _fetch_on(self, driver: Any, sql: str, params: Any) -> list[Sequence[Any]]:
        self.queries += 1
        if self.dialect == "sqlite":
            async with driver.execute(sql, params) as cursor:
                return list(await cursor.fetchall())
        return list(await driver.fetch(sql, *params))

    async def raw_write(
        self, sql: str, params: Sequence[Any], *, idempotent: bool = False
    ) -> list[Sequence[Any]]:
        """One hand-written statement in autocommit, retried like :meth:`transaction`;
        the rows it returns (``RETURNING``), if any.

        For the hottest single-row writes only (an access token at the token
        endpoint, a login/consent flow's steps): no BEGIN/COMMIT round trips and no
        SQLAlchemy statement machinery. Placeholders are the driver's, as in :meth:`raw_reader`.
        40001 (and SQLite's busy writer) is retried; 40003, and a connection
        lost after the statement was sent, only when ``idempotent`` says the
        statement may safely run twice (for instance ``INSERT ... ON CONFLICT
        DO NOTHING`` of a row with a unique key).
        """
        self._storable([params])
        deadline = Deadline()
        for attempt in range(MAX_ATTEMPTS):
            sent = False
            try:
                async with self._hot_connection() as driver:
                    sent = True
                    return await self._fetch_on(driver, sql, params)
            except (DBAPIError, *_DRIVER_ERRORS) as exc:
                await self._retry_or_raise(exc, attempt, deadline, idempotent, sent, "statement")
        raise ConcurrentUpdate()

    async def raw_transaction(
        self, statements: Sequence[tuple[str, Sequence[Any]]], *, idempotent: bool = False
    ) -> None:
        """Hand-written statements in one SERIALIZABLE transaction, retried like
        :meth:`transaction`: for a hot write of several rows that must land together
        (an access and a refresh token). Placeholders are the driver's."""
        self._storable([params for _, params in statements])
        deadline = Deadline()
        for attempt in range(MAX_ATTEMPTS):
            committing = False
            try:
                async with self._hot_connection() as driver:
                    if self.dialect == "sqlite":
                        await self._sqlite_transaction(driver, statements)
                        return
                    async with driver.transaction(isolation="serializable"):
                        for sql, params in statements:
                            await self._fetch_on(driver, sql, params)
                        committing = True
                return
            except (DBAPIError, *_DRIVER_ERRORS) as exc:
                await self._retry_or_raise(exc, attempt, deadline, idempotent, committing)
        raise ConcurrentUpdate()

    async def _retry_or_raise(
        self,
        exc: Exception,
        attempt: int,
        deadline: Deadline,
        idempotent: bool,
        reached_commit: bool,
        what: str = "transaction",
    ) -> None:
        """After a failed write: raise it as a domain error, or wait and count a retry.

        Retried: serialization failures and the like (``RETRYABLE``), an ambiguous
        commit when the write is idempotent, and a lost connection inside the
        deadline when running it again cannot apply it twice (idempotent, the
        commit (or the statement) never started, or nothing reached the server)."""
        code = sqlstate(exc)
        lost = connection_lost(exc) and not deadline.passed()
        safe = idempotent or not reached_commit or nothing_sent(exc)
        retry = code in RETRYABLE or (code == AMBIGUOUS and idempotent) or (lost and safe)
        if not retry or attempt == MAX_ATTEMPTS - 1:
            _raise_domain(exc)
        log.debug("retrying %s after %s (attempt %d)", what, code or "a lost connection", attempt)
        self.retries += 1
        await asyncio.sleep(_backoff(attempt))

    def _storable(self, params: Sequence[Any]) -> None:
        """SQLite: the NUL/surrogate net SQLAlchemy's statements get (``refuse_unstorable``),
        for hand-written writes too; a 400 (``Invalid``), as PostgreSQL would answer."""
        if self.dialect != "sqlite":
            return
        try:
            refuse_unstorable(params)
        except sqlite3.DataError as exc:
            _raise_domain(exc)

    async def _sqlite_transaction(
        self, driver: Any, statements: Sequence[tuple[str, Sequence[Any]]]
    ) -> None:
        """SQLite's writer lock taken up front (``BEGIN IMMEDIATE``), as :meth:`transaction`."""
        await driver.execute("BEGIN IMMEDIATE")
        try:
            for sql, params in statements:
                await self._fetch_on(driver, sql, params)
        except BaseException:
            await driver.execute("ROLLBACK")
            raise
        await driver.execute("COMMIT")

    async def transaction(
        self,
        fn: Callable[[AsyncConnection], Awaitable[T]],
        *,
        idempotent: bool = False,
    ) -> T:
        """Run ``fn`` in a SERIALIZABLE transaction, retrying serialization failures.

        40001 (and SQLite's busy writer) is retried with capped, jittered backoff;
        40003 (ambiguous commit) is retried only when ``idempotent`` says the
        whole transaction may safely run twice. A connection lost before COMMIT
        was sent rolled the transaction back, so it is run again on a fresh
        one; lost during COMMIT, it is ambiguous like 40003.
        """
        deadline = Deadline()
        for attempt in range(MAX_ATTEMPTS):
            committing = False
            try:
                async with self.engine.connect() as conn:
                    if self.dialect == "sqlite":
                        conn.info["write"] = True  # read by the BEGIN IMMEDIATE hook
                    try:
                        async with conn.begin():
                            result = await fn(conn)
                            committing = True
                        return result
                    finally:
                        if self.dialect == "sqlite":
                            conn.info.pop("write", None)
            except (DBAPIError, *_DRIVER_ERRORS) as exc:
                await self._retry_or_raise(exc, attempt, deadline, idempotent, committing)
        raise ConcurrentUpdate()

    async def ping(self) -> bool:
        """True when a trivial statement succeeds (readiness probe)."""
        from sqlalchemy import text

        try:
            async with self.autocommit.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False
