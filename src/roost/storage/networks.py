"""The network id: Ory's tenant key, on every row of every service.

Each service declares a ``networks`` table in its own metadata (its foreign
keys point at it); the rule for the id is shared: the oldest row, created on
first start. Under SERIALIZABLE two replicas starting together cannot both
create one: the loser's transaction is retried and then finds the winner's row.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.storage.database import Database


async def ensure_network(db: Database, networks: Table) -> uuid.UUID:
    """The id of the oldest network, creating one if there is none yet."""

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
