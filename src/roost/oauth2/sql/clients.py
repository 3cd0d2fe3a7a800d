"""``hydra_client`` reads and writes, scoped to one network.

The API document maps onto Hydra's columns one to one, except lifespans
(duration strings in the API, nanoseconds in SQL), ``jwks``/``metadata``
(JSON text) and the secret (only its hash is stored).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.oauth2 import durations
from roost.oauth2.clients.fields import (
    BOOL_FIELDS,
    LIFESPANS,
    LIST_FIELDS,
    SHORT_FIELDS,
    TEXT_FIELDS,
)
from roost.oauth2.clients.model import Client
from roost.oauth2.sql.raw import KeyLookup
from roost.oauth2.sql.tables import hydra_client as t
from roost.storage.database import Database


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def _rfc3339(value: datetime) -> str:
    return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def to_row(client: Client, nid: uuid.UUID, registration_signature: str = "") -> dict[str, Any]:
    doc = client.doc
    row: dict[str, Any] = {
        "id": doc["client_id"],
        "nid": nid,
        "client_secret": client.secret_hash,
        "jwks": orjson.dumps(doc["jwks"]).decode(),
        "metadata": orjson.dumps(doc["metadata"]).decode(),
        "client_secret_expires_at": doc["client_secret_expires_at"],
        "created_at": _parse_time(doc["created_at"]),
        "updated_at": _parse_time(doc["updated_at"]),
        "registration_access_token_signature": registration_signature,
        "rotated_secrets": "|".join(client.rotated_hashes),
    }
    for key in (*TEXT_FIELDS, *SHORT_FIELDS, *LIST_FIELDS, *BOOL_FIELDS):
        row[key] = doc[key]
    for key in LIFESPANS:
        value = doc.get(key)
        row[key] = durations.parse_ns(value) if value else None
    return row


def from_row(row: Mapping[Any, Any]) -> Client:
    doc: dict[str, Any] = {"client_id": row["id"]}
    for key in (*TEXT_FIELDS, *SHORT_FIELDS, *LIST_FIELDS):
        doc[key] = row[key] if row[key] is not None else ([] if key in LIST_FIELDS else "")
    for key in BOOL_FIELDS:
        doc[key] = bool(row[key])
    doc["jwks"] = orjson.loads(row["jwks"] or "{}")
    doc["metadata"] = orjson.loads(row["metadata"] or "{}")
    doc["client_secret_expires_at"] = row["client_secret_expires_at"] or 0
    doc["created_at"] = _rfc3339(row["created_at"])
    doc["updated_at"] = _rfc3339(row["updated_at"])
    for key in LIFESPANS:
        if row[key] is not None:
            doc[key] = durations.format_ns(row[key])
    rotated = tuple(h for h in (row.get("rotated_secrets") or "").split("|") if h)
    return Client(doc, row["client_secret"], rotated)


MAX_ROTATED = 5


class ClientStore:
    def __init__(self, db: Database, nid: uuid.UUID) -> None:
        self.db = db
        self.nid = nid
        self._by_id = KeyLookup(db, t, "id", nid)

    def _key(self, client_id: str) -> Any:
        return and_(t.c.id == client_id, t.c.nid == self.nid)

    async def get(self, client_id: str) -> Client | None:
        row = await self._by_id.get(client_id)
        return None if row is None else from_row(row)

    async def create(self, client: Client, registration_signature: str) -> None:
        row = to_row(client, self.nid, registration_signature)
        row["pk"] = uuid.uuid4()

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(t.insert().values(**row))

        await self.db.transaction(run)

    async def replace(
        self, client: Client, *, keep_secret: bool, registration_signature: str | None = None
    ) -> bool:
        """Overwrite every column of an existing client; False when it does not exist.

        The registration token's signature changes only when a new one is given.
        """
        row = to_row(client, self.nid, registration_signature or "")
        for key in ("id", "nid", "created_at"):
            row.pop(key)
        if registration_signature is None:
            row.pop("registration_access_token_signature")
        if keep_secret:
            row.pop("client_secret")
            row.pop("rotated_secrets")

        async def run(conn: AsyncConnection) -> bool:
            result = await conn.execute(update(t).where(self._key(client.id)).values(**row))
            return bool(result.rowcount)

        return await self.db.transaction(run)

    async def registration_signature(self, client_id: str) -> str | None:
        query = select(t.c.registration_access_token_signature).where(self._key(client_id))

        async def run(conn: AsyncConnection) -> str | None:
            value = (await conn.execute(query)).scalar()
            return str(value) if value else None

        return await self.db.read(run)

    async def rotate_secret(self, client_id: str, secret_hash: str | None) -> Client | None:
        """Make ``secret_hash`` the secret, keeping the old one among the last five rotated;
        with None, forget the rotated ones. The client after the change, None if none."""

        async def run(conn: AsyncConnection) -> Client | None:
            row = (await conn.execute(select(t).where(self._key(client_id)))).mappings().first()
            if row is None:
                return None
            current = from_row(row)
            if secret_hash is None:
                client = Client(current.doc, current.secret_hash)
            else:
                rotated = (current.secret_hash, *current.rotated_hashes)[:MAX_ROTATED]
                client = Client(current.doc, secret_hash, rotated)
            await conn.execute(
                update(t)
                .where(self._key(client_id))
                .values(
                    client_secret=client.secret_hash,
                    rotated_secrets="|".join(client.rotated_hashes),
                )
            )
            return client

        return await self.db.transaction(run)

    async def delete(self, client_id: str) -> bool:
        async def run(conn: AsyncConnection) -> bool:
            result = await conn.execute(delete(t).where(self._key(client_id)))
            return bool(result.rowcount)

        return await self.db.transaction(run)

    async def list(
        self, limit: int, after: str | None, client_name: str | None, owner: str | None
    ) -> list[Client]:
        """One keyset page ordered by id; ``limit`` rows at most."""
        query = select(t).where(t.c.nid == self.nid)
        if after is not None:
            query = query.where(t.c.id > after)
        if client_name:
            query = query.where(t.c.client_name == client_name)
        if owner:
            query = query.where(t.c.owner == owner)
        query = query.order_by(t.c.id).limit(limit)

        async def run(conn: AsyncConnection) -> list[Client]:
            return [from_row(r) for r in (await conn.execute(query)).mappings()]

        return await self.db.read(run)
