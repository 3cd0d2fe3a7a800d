"""Migrations on every backend: idempotent, seed Kratos's credential types, keep data."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.identity.identities.model import Credential, Identity
from roost.identity.migrations import MIGRATIONS
from roost.identity.sql.identities import IdentityStore, ensure_network
from roost.identity.sql.tables import CREDENTIAL_TYPES, credential_types
from roost.storage.database import Database
from roost.storage.migrate import Migrator


def test_migrate_twice_and_read_back(dsn: str) -> None:
    async def run() -> None:
        db = Database(dsn)
        try:
            migrator = Migrator(db, "identity", MIGRATIONS)
            assert len(await migrator.up()) == len(MIGRATIONS)
            nid = await ensure_network(db)
            store = IdentityStore(db, nid)
            ident = Identity(schema_id="default", traits={"email": "m@r.co"})
            ident.credentials["password"] = Credential(
                "password", ["m@r.co"], {"hashed_password": "$2a$04$" + "a" * 53}
            )

            async def insert(conn: AsyncConnection) -> None:
                await store.insert(conn, ident)

            await db.transaction(insert)
            assert await migrator.up() == []
            assert await ensure_network(db) == nid
            got = await store.by_identifier("password", "m@r.co")
            assert got is not None and got.id == ident.id
            async with db.engine.connect() as conn:
                rows = dict(
                    (
                        await conn.execute(select(credential_types.c.name, credential_types.c.id))
                    ).all()
                )
                assert {k: uuid.UUID(str(v)) for k, v in rows.items()} == CREDENTIAL_TYPES
                count = await conn.scalar(
                    text("SELECT count(*) FROM identity_credential_identifiers")
                )
                assert count == 1
        finally:
            await db.close()

    asyncio.run(run())
