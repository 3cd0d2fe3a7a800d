"""Failure counts per key in SQL, shared by every worker and replica.

Implements ``roost.core.throttle.FailureCounts`` over any table with the
columns ``nid``, ``identifier_key`` (together the primary key), ``failures``
and ``first_failed_at``. Each service keeps its own table in its own database:
``roost_login_failures`` (identity), ``roost_client_auth_failures`` (OAuth2).
One upsert per failure, so concurrent failures on different replicas all count
(SERIALIZABLE conflicts are retried by ``Database``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Table, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.storage.database import Database
from roost.storage.raw import converters, normalized

__all__ = ["FailureCountStore"]


class FailureCountStore:
    """Implements ``roost.core.throttle.FailureCounts`` over ``table``."""

    def __init__(self, db: Database, nid: uuid.UUID, table: Table) -> None:
        self.db = db
        self.nid = nid
        self.table = table
        dialect = db.engine.dialect
        bind = table.c.nid.type.dialect_impl(dialect).bind_processor(dialect)
        self._nid = nid if bind is None else bind(nid)
        m = ("$1", "$2") if db.dialect != "sqlite" else ("?", "?")
        self._get = (
            f"SELECT failures, first_failed_at FROM {table.name} "  # noqa: S608 - fixed names
            f"WHERE nid = {m[0]} AND identifier_key = {m[1]}"
        )
        self._convert = converters([table.c.failures, table.c.first_failed_at], db.dialect)

    async def get(self, key: str, since: datetime) -> tuple[int, bool]:
        """(failures counted since ``since``, whether a row exists at all).

        Read on every client authentication with a secret, so as hand-written SQL
        (``Database.raw_reader``)."""
        async with self.db.raw_reader() as run:
            rows = await run(self._get, (self._nid, key))
        if not rows:
            return 0, False
        failures, first = normalized(rows[0], self._convert)
        return (int(failures) if first >= since else 0), True

    async def add(self, key: str, now: datetime, since: datetime) -> None:
        """Count one failure; a count whose window began before ``since`` starts over."""
        t = self.table
        module = sqlite if self.db.dialect == "sqlite" else postgresql
        stale = t.c.first_failed_at < since
        stmt = (
            module.insert(t)
            .values(nid=self.nid, identifier_key=key, failures=1, first_failed_at=now)
            .on_conflict_do_update(
                index_elements=[t.c.nid, t.c.identifier_key],
                set_={
                    "failures": case((stale, 1), else_=t.c.failures + 1),
                    "first_failed_at": case((stale, now), else_=t.c.first_failed_at),
                },
            )
        )

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(stmt)

        # not idempotent: after an ambiguous commit a retry could count twice
        await self.db.transaction(run)

    async def clear(self, key: str) -> None:
        t = self.table

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(delete(t).where(t.c.nid == self.nid, t.c.identifier_key == key))

        await self.db.transaction(run, idempotent=True)

    async def cleanup(self, before: datetime, batch: int) -> int:
        """Delete one batch of counts whose window began before ``before``."""
        t = self.table

        async def run(conn: AsyncConnection) -> int:
            keys = select(t.c.identifier_key).where(
                t.c.nid == self.nid, t.c.first_failed_at < before
            )
            found = [r[0] for r in await conn.execute(keys.limit(batch))]
            if not found:
                return 0
            gone = await conn.execute(
                delete(t).where(t.c.nid == self.nid, t.c.identifier_key.in_(found))
            )
            return int(gone.rowcount)

        return await self.db.transaction(run, idempotent=True)
