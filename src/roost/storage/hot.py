"""asyncpg's own pool for the hand-written statements on the hottest request paths."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import asyncpg

from roost.storage.dsn import ParsedDSN
from roost.storage.liveness import connection_lost
from roost.storage.ssl import asyncpg_ssl


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
            **asyncpg_ssl(parsed.connect_args),
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

    def use(self) -> dict[str, float]:
        """Open and busy connections of the pool (none before its first use)."""
        if self._pool is None:
            return {}
        size, idle = self._pool.get_size(), self._pool.get_idle_size()
        return {
            'roost_sql_pool_connections{pool="hot",state="open"}': size,
            'roost_sql_pool_connections{pool="hot",state="in_use"}': size - idle,
        }

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

    async def __aexit__(self, _type: object, exc: BaseException | None, _tb: object) -> None:
        if self.conn is None:
            return  # the checkout itself failed: nothing to give back
        if exc is not None and connection_lost(exc):
            # The session died mid-operation; asyncpg may not have seen the socket
            # close yet, and reusing it would fail again: make sure it is replaced.
            self.conn.terminate()
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
