"""One credential's config, read and rewritten in one transaction (second factors' use).

A TOTP step or a lookup code is spent by reading the credential, deciding
(pure code, ``selfservice/second_factors.py``) and writing the new config
in the same SERIALIZABLE transaction, guarded by the row's ``updated_at``:
two requests spending the same code cannot both succeed, on any backend.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.identity.identities.model import now
from roost.identity.sql.tables import CREDENTIAL_TYPES, credentials
from roost.storage.database import Database

Decide = Callable[[dict[str, Any]], dict[str, Any] | None]


class CredentialConfigs:
    def __init__(self, db: Database, nid: uuid.UUID) -> None:
        self.db = db
        self.nid = nid

    async def spend(self, identity_id: uuid.UUID, kind: str, decide: Decide) -> bool:
        """Apply ``decide`` to the config of ``identity_id``'s ``kind`` credential; False when
        there is none, ``decide`` refuses (None), or another request changed it first."""

        async def run(conn: AsyncConnection) -> bool:
            row = (
                await conn.execute(
                    select(credentials.c.id, credentials.c.config, credentials.c.updated_at).where(
                        credentials.c.nid == self.nid,
                        credentials.c.identity_id == identity_id,
                        credentials.c.identity_credential_type_id == CREDENTIAL_TYPES[kind],
                    )
                )
            ).first()
            if row is None:
                return False
            changed = decide(dict(row.config) if isinstance(row.config, dict) else {})
            if changed is None:
                return False
            result = await conn.execute(
                update(credentials)
                .where(credentials.c.id == row.id, credentials.c.updated_at == row.updated_at)
                .values(config=changed, updated_at=now())
            )
            return bool(result.rowcount)

        return await self.db.transaction(run)
