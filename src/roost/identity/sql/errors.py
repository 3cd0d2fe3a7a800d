"""SQL for the error flow (``selfservice_errors``)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.identity.selfservice.error_flow import StoredError
from roost.identity.sql.tables import selfservice_errors as errors
from roost.storage.database import Database


class ErrorStore:
    """``roost.identity.selfservice.error_flow.ErrorStore`` on SQL."""

    def __init__(self, db: Database, nid: uuid.UUID) -> None:
        self.db = db
        self.nid = nid

    async def add(self, e: StoredError) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(
                errors.insert().values(
                    id=e.id,
                    nid=self.nid,
                    errors=e.error,
                    was_seen=False,
                    created_at=e.created_at,
                    updated_at=e.updated_at,
                )
            )

        await self.db.transaction(run)

    async def get(self, error_id: uuid.UUID) -> StoredError | None:
        async def run(conn: AsyncConnection) -> StoredError | None:
            row = (
                await conn.execute(
                    select(errors).where(errors.c.id == error_id, errors.c.nid == self.nid)
                )
            ).first()
            if row is None:
                return None
            return StoredError(dict(row.errors), row.id, row.created_at, row.updated_at)

        return await self.db.read(run)
