"""The network id (Ory's tenant): the oldest row of ``networks``, created on first start."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.oauth2.sql.tables import networks
from roost.storage.database import Database


async def ensure_network(db: Database) -> uuid.UUID:
    async def run(conn: AsyncConnection) -> uuid.UUID:
        query = select(networks.c.id).order_by(networks.c.created_at).limit(1)
        row = (await conn.execute(query)).first()
        if row is not None:
            found: uuid.UUID = row[0]
            return found
        nid = uuid.uuid4()
        now = datetime.now(UTC).replace(tzinfo=None)
        await conn.execute(networks.insert().values(id=nid, created_at=now, updated_at=now))
        return nid

    return await db.transaction(run, idempotent=True)
