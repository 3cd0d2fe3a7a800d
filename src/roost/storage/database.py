"""One async engine per service database, with the transaction helper every write uses.

CockroachDB runs SERIALIZABLE and expects clients to retry SQLSTATE 40001; we
run PostgreSQL at SERIALIZABLE too, so the same retry path is exercised in tests.
SQL errors are translated into domain errors here and nowhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import sqlite3
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from roost.core.errors import ConcurrentUpdate, Conflict, NotFound, Unavailable
from roost.storage.dsn import ParsedDSN, parse_dsn

T = TypeVar("T")
RawFetch = Callable[[str, Any], Awaitable[list[Sequence[Any]]]]
_DRIVER_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, sqlite3.Error)
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


def _backoff(attempt: int) -> float:
    """Capped exponential backoff with full jitter (CockroachDB's recommended shape)."""
    return random.uniform(0, min(_MAX_DELAY, _BASE_DELAY * 2**attempt))


def _asyncpg_ssl(args: dict[str, str]) -> dict[str, Any]:
    """Turn libpq ``ssl*`` DSN parameters into asyncpg's ``ssl`` argument."""
    mode = args.get("sslmode")
    if not args:
        return {}
    if mode in (None, "disable", "allow", "prefer", "require") and not args.get("sslrootcert"):
        return {"ssl": mode or "prefer"}
    ctx = ssl.create_default_context(cafile=args.get("sslrootcert"))
    if mode == "verify-ca":
        ctx.check_hostname = False
    elif mode in ("require", "prefer", "allow"):
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if args.get("sslcert"):
        ctx.load_cert_chain(args["sslcert"], args.get("sslkey"), args.get("sslpassword"))
    return {"ssl": ctx}


def _engine(
    parsed: ParsedDSN, size: int, idle: int, settings: dict[str, str] | None = None
) -> AsyncEngine:
    pool = parsed.pool
    return create_async_engine(
        parsed.sqlalchemy_url,
        pool_size=idle,
        max_overflow=size - idle,
        pool_recycle=int(pool.max_conn_lifetime) if pool.max_conn_lifetime else 1800,
        pool_pre_ping=False,
        isolation_level="SERIALIZABLE",
        connect_args={
            **_asyncpg_ssl(parsed.connect_args),
            "server_settings": {"application_name": "roost", **(settings or {})},
        },
    )


def _engines(parsed: ParsedDSN) -> tuple[AsyncEngine, AsyncEngine | HotPool]:
    """The main engine and the pool for hand-written hot statements.

    ``max_conns`` (default 20) is split between them. On PostgreSQL the hot
    pool's sessions use generic plans for prepared statements: its statements
    are few, fixed and checked to plan well generically, and re-planning them
    on every execution (PostgreSQL's choice under "auto") cost more CPU than
    running them. CockroachDB caches plans by itself.
    """
    if parsed.dialect == "sqlite":
        engine = _sqlite_engine(parsed)
        return engine, engine
    total = max(parsed.pool.max_conns or 20, 2)
    idle_total = min(parsed.pool.max_idle_conns or total, total)
    main, hot = total - total // 2, total // 2
    main_idle = min(main, idle_total - idle_total // 2) or 1
    hot_idle = min(hot, idle_total // 2) or 1
    generic = {"plan_cache_mode": "force_generic_plan"} if parsed.dialect == "postgres" else {}
    return _engine(parsed, main, main_idle), HotPool(parsed, hot, hot_idle, generic)


class HotPool:
    """asyncpg's own pool, for the hand-written statements on the hottest paths.

    Checking a connection out of SQLAlchemy's async pool costs several
    greenlet switches; asyncpg's pool hands one out directly. Connections are
    only used for single autocommit statements, so returning one needs no
    reset round trip (an open transaction would still be rolled back).
    """

    def __init__(self, parsed: ParsedDSN, size: int, idle: int, settings: dict[str, str]) -> None:
        self._dsn = parsed.sqlalchemy_url.replace("+asyncpg", "").replace(
            "cockroachdb://", "postgresql://"
        )
        self._options: dict[str, Any] = {
            "min_size": 0,
            "max_size": size,
            "max_inactive_connection_lifetime": parsed.pool.max_conn_idle_time or 300.0,
            "reset": _keep_session,
            "init": _json_codecs,
            "server_settings": {"application_name": "roost", **settings},
            **_asyncpg_ssl(parsed.connect_args),
        }
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    def acquire(self) -> contextlib.AbstractAsyncContextManager[Any]:
        return _Acquire(self)

    async def pool(self) -> asyncpg.Pool:
        """Created on first use, inside the worker's event loop."""
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(self._dsn, **self._options)
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


class _Acquire:
    def __init__(self, hot: HotPool) -> None:
        self.hot = hot
        self.conn: Any = None

    async def __aenter__(self) -> Any:
        self.pool = await self.hot.pool()
        self.conn = await self.pool.acquire()
        return self.conn

    async def __aexit__(self, *exc: object) -> None:
        await self.pool.release(self.conn)


async def _keep_session(conn: Any) -> None:
    """Pool reset hook: nothing to undo after single autocommit statements."""


async def _json_codecs(conn: Any) -> None:
    """JSON as SQLAlchemy's asyncpg dialect sets it up: parameters arrive serialized,
    results come back decoded, so hand-written SQL sees what the engine's SQL sees."""
    await conn.set_type_codec(
        "json",
        schema="pg_catalog",
        format="binary",
        encoder=str.encode,
        decoder=lambda raw: json.loads(raw.decode()),
    )
    await conn.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        format="binary",
        encoder=lambda text: b"\x01" + text.encode(),
        decoder=lambda raw: json.loads(raw[1:].decode()),
    )


@contextlib.asynccontextmanager
async def _sqlite_driver(engine: AsyncEngine) -> AsyncIterator[Any]:
    """aiosqlite's connection under a pooled SQLAlchemy one (SQLite has no hot pool)."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        yield raw.driver_connection


def _sqlite_engine(parsed: ParsedDSN) -> AsyncEngine:
    memory = parsed.sqlite_path == ":memory:"
    engine = create_async_engine(
        parsed.sqlalchemy_url,
        poolclass=StaticPool if memory else None,
        connect_args={"timeout": 30},
    )

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

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

    return engine


class Database:
    """A service's database: the engine, its dialect, and the transaction helpers."""

    def __init__(self, dsn: str) -> None:
        self.parsed = parse_dsn(dsn)
        self.dialect = self.parsed.dialect
        self.engine, hot = _engines(self.parsed)
        # Reads that need no snapshot run without BEGIN/COMMIT round trips.
        self.autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.hot: HotPool | None = hot if isinstance(hot, HotPool) else None
        self.queries = 0  # statements sent; exported as a metric

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
        touch the rows it reads; ``fn`` only reads, so it is simply run again.
        """
        for attempt in range(MAX_ATTEMPTS):
            try:
                async with self.autocommit.connect() as conn:
                    return await fn(conn)
            except DBAPIError as exc:
                if sqlstate(exc) not in RETRYABLE or attempt == MAX_ATTEMPTS - 1:
                    raise translate(exc) from exc
                log.debug("retrying read after SQLSTATE %s (attempt %d)", sqlstate(exc), attempt)
                await asyncio.sleep(_backoff(attempt))
            except OSError as exc:
                raise Unavailable("the database cannot be reached") from exc
        raise ConcurrentUpdate()

    @contextlib.asynccontextmanager
    async def raw_reader(self) -> AsyncIterator[RawFetch]:
        """One pooled connection for a burst of hand-written reads (the hottest path only).

        Skips SQLAlchemy's statement machinery: the yielded function sends SQL
        text with the driver's placeholders ($n for asyncpg, ? for SQLite) and
        asyncpg reuses its prepared statement by text. Holding one connection
        for the burst saves a pool checkout per statement; it is checked out on
        the first statement, so a burst that turns out to need none (a cache
        hit) costs no checkout at all.
        """
        try:
            async with contextlib.AsyncExitStack() as stack:
                driver: Any = None

                async def fetch(sql: str, params: Any) -> list[Sequence[Any]]:
                    nonlocal driver
                    if driver is None:
                        driver = await stack.enter_async_context(self._hot_connection())
                    return await self._read_on(driver, sql, params)

                yield fetch
        except DBAPIError as exc:
            raise translate(exc) from exc
        except _DRIVER_ERRORS as exc:
            code = sqlstate(exc)
            if code in RETRYABLE:
                raise ConcurrentUpdate() from exc
            raise Unavailable("the database cannot be reached") from exc

    async def _read_on(self, driver: Any, sql: str, params: Any) -> list[Sequence[Any]]:
        """One read statement in autocommit, run again on a serialization failure (as ``read``)."""
        for attempt in range(MAX_ATTEMPTS - 1):
            try:
                return await self._fetch_on(driver, sql, params)
            except _DRIVER_ERRORS as exc:
                if sqlstate(exc) not in RETRYABLE:
                    raise
                log.debug("retrying read after SQLSTATE %s (attempt %d)", sqlstate(exc), attempt)
                await asyncio.sleep(_backoff(attempt))
        return await self._fetch_on(driver, sql, params)

    async def _fetch_on(self, driver: Any, sql: str, params: Any) -> list[Sequence[Any]]:
        self.queries += 1
        if self.dialect == "sqlite":
            async with driver.execute(sql, params) as cursor:
                return list(await cursor.fetchall())
        return list(await driver.fetch(sql, *params))

    async def raw_write(self, sql: str, params: Sequence[Any], *, idempotent: bool = False) -> None:
        """One hand-written statement in autocommit, retried like :meth:`transaction`.

        For the hottest single-row write only (an access token at the token
        endpoint): no BEGIN/COMMIT round trips and no SQLAlchemy statement
        machinery. Placeholders are the driver's, as in :meth:`raw_reader`.
        40001 (and SQLite's busy writer) is retried; 40003 only when
        ``idempotent`` says the statement may safely run twice (for instance
        ``INSERT ... ON CONFLICT DO NOTHING`` of a row with a unique key).
        """
        for attempt in range(MAX_ATTEMPTS):
            try:
                async with self._hot_connection() as driver:
                    await self._fetch_on(driver, sql, params)
                return
            except DBAPIError as exc:
                cause: Exception = exc
                error = translate(exc)
            except _DRIVER_ERRORS as exc:
                cause, error = exc, translate_driver(exc)
            code = sqlstate(cause)
            retry = code in RETRYABLE or (code == AMBIGUOUS and idempotent)
            if not retry or attempt == MAX_ATTEMPTS - 1:
                if error is cause:
                    raise error
                raise error from cause
            log.debug("retrying statement after SQLSTATE %s (attempt %d)", code, attempt)
            await asyncio.sleep(_backoff(attempt))
        raise ConcurrentUpdate()

    async def transaction(
        self,
        fn: Callable[[AsyncConnection], Awaitable[T]],
        *,
        idempotent: bool = False,
    ) -> T:
        """Run ``fn`` in a SERIALIZABLE transaction, retrying serialization failures.

        40001 (and SQLite's busy writer) is retried with capped, jittered backoff;
        40003 (ambiguous commit) is retried only when ``idempotent`` says the
        whole transaction may safely run twice.
        """
        for attempt in range(MAX_ATTEMPTS):
            try:
                async with self.engine.connect() as conn:
                    conn.info["write"] = True
                    try:
                        async with conn.begin():
                            return await fn(conn)
                    finally:
                        conn.info.pop("write", None)
            except DBAPIError as exc:
                code = sqlstate(exc)
                retry = code in RETRYABLE or (code == AMBIGUOUS and idempotent)
                if not retry or attempt == MAX_ATTEMPTS - 1:
                    raise translate(exc) from exc
                log.debug("retrying transaction after SQLSTATE %s (attempt %d)", code, attempt)
                await asyncio.sleep(_backoff(attempt))
            except OSError as exc:
                raise Unavailable("the database cannot be reached") from exc
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
