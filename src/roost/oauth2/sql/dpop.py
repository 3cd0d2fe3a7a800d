"""``roost_oauth2_dpop_proofs``: the DPoP proofs seen lately (RFC 9449 §11.1), one use each."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.oauth2.sql.raw import RawInsert
from roost.oauth2.sql.tables import roost_oauth2_dpop_proofs as t
from roost.storage.database import Database


class ProofReplayStore:
    """Implements ``roost.oauth2.rfc9449.ProofReplays``.

    One autocommit ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: the proof's
    row is new (first use) or the primary key refuses it (a replay). Two
    concurrent requests with one proof race on that key, and on every backend
    exactly one gets its row back. The statement is not retried after an
    ambiguous commit: the retry would find its own row and call it a replay.
    """

    def __init__(self, db: Database, nid: uuid.UUID) -> None:
        self.db = db
        self.nid = nid
        self._insert = RawInsert(db, t)
        self.sql = self._insert.sql + " RETURNING signature"

    async def first_use(self, signature: str, expires_at: datetime) -> bool:
        row = {"signature": signature, "nid": self.nid, "expires_at": expires_at}
        return bool(await self.db.raw_write(self.sql, self._insert.params(row)))

    async def flush(self, now: datetime) -> None:
        """Delete the rows of proofs too old to pass their ``iat`` check (the janitor)."""

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(delete(t).where(t.c.nid == self.nid, t.c.expires_at < now))

        await self.db.transaction(run, idempotent=True)
