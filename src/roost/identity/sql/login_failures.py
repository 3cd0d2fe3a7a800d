"""Failed-login counts per identifier key, shared by every worker and replica."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.identity.sql.tables import login_failures as lf
from roost.storage.database import Database


class LoginFailureStore:
    """Implements ``roost.identity.credentials.throttle.FailureCounts``."""

    def __init__(self, db: Database, nid: uuid.UUID) -> None:
        self.db = db
        self.nid = nid

    async def get(self, key: str, since: datetime) -> tuple[int, bool]:
        """(failures counted since ``since``, whether a row exists at all)."""
        stmt = select(lf.c.failures, lf.c.first_failed_at).where(
            lf.c.nid == self.nid, lf.c.identifier_key == key
        )
        row = (await self.db.read(lambda conn: conn.execute(stmt))).first()
        if row is None:
            return 0, False
        return (int(row[0]) if row[1] >= since else 0), True

    async def add(self, key: str, now: datetime, since: datetime) -> None:
        """Count one failure; a count whose window began before ``since`` starts over."""
        module = sqlite if self.db.dialect == "sqlite" else postgresql
        stale = lf.c.first_failed_at < since
        stmt = (
            module.insert(lf)
            .values(nid=self.nid, identifier_key=key, failures=1, first_failed_at=now)
            .on_conflict_do_update(
                index_elements=[lf.c.nid, lf.c.identifier_key],
                set_={
                    "failures": case((stale, 1), else_=lf.c.failures + 1),
                    "first_failed_at": case((stale, now), else_=lf.c.first_failed_at),
                },
            )
        )

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(stmt)

        # not idempotent: after an ambiguous commit a retry could count twice
        await self.db.transaction(run)

    async def clear(self, key: str) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(delete(lf).where(lf.c.nid == self.nid, lf.c.identifier_key == key))

        await self.db.transaction(run, idempotent=True)

    async def cleanup(self, before: datetime, batch: int) -> int:
        """Delete one batch of counts whose window began before ``before``."""

        async def run(conn: AsyncConnection) -> int:
            keys = select(lf.c.identifier_key).where(
                lf.c.nid == self.nid, lf.c.first_failed_at < before
            )
            found = [r[0] for r in await conn.execute(keys.limit(batch))]
            if not found:
                return 0
            gone = await conn.execute(
                delete(lf).where(lf.c.nid == self.nid, lf.c.identifier_key.in_(found))
            )
            return int(gone.rowcount)

        return await self.db.transaction(run, idempotent=True)
