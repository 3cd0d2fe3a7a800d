"""``roost_oauth2_pushed_requests``: pushed authorization requests (RFC 9126), one use each."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.oauth2.rfc9126 import PushedRequest
from roost.oauth2.sql.tables import roost_oauth2_pushed_requests as t
from roost.storage.database import Database


class PushedRequestStore:
    def __init__(self, db: Database, nid: uuid.UUID) -> None:
        self.db = db
        self.nid = nid

    async def add(self, signature: str, request: PushedRequest) -> None:
        row = {"signature": signature, "nid": self.nid, "client_id": request.client_id,
               "parameters": request.parameters, "expires_at": request.expires_at}  # fmt: skip

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(t.insert().values(**row))

        await self.db.transaction(run)

    async def take(self, signature: str) -> PushedRequest | None:
        """The request, deleted in the same statement: of concurrent uses one gets it."""
        stmt = (
            delete(t)
            .where(t.c.signature == signature, t.c.nid == self.nid)
            .returning(t.c.client_id, t.c.parameters, t.c.expires_at)
        )

        async def run(conn: AsyncConnection) -> Any:
            return (await conn.execute(stmt)).first()

        row = await self.db.transaction(run)
        if row is None:
            return None
        return PushedRequest(str(row[0]), dict(row[1]), row[2])

    async def flush(self, now: datetime) -> None:
        """Delete expired requests (the janitor)."""

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(delete(t).where(t.c.nid == self.nid, t.c.expires_at < now))

        await self.db.transaction(run, idempotent=True)
