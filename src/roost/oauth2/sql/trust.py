"""``hydra_oauth2_trusted_jwt_bearer_issuer``: issuers trusted for RFC 7523 grants.

The issuer's public key lives in ``hydra_jwk`` under the set named after the
issuer, as in Hydra; issuer row and key are written in one transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.oauth2.rfc7523.trust import TrustedIssuer
from roost.oauth2.sql.tables import hydra_jwk as jwk_t
from roost.oauth2.sql.tables import hydra_oauth2_trusted_jwt_bearer_issuer as t
from roost.oauth2.tokens.aead import AEAD
from roost.storage.database import Database


def _issuer(row: Any) -> TrustedIssuer:
    return TrustedIssuer(
        id=row["id"],
        issuer=row["issuer"],
        subject=row["subject"] or "",
        allow_any_subject=bool(row["allow_any_subject"]),
        scope=[s for s in (row["scope"] or "").split("|") if s],
        key_set=row["key_set"],
        key_id=row["key_id"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
    )


class TrustStore:
    def __init__(self, db: Database, nid: uuid.UUID, aead: AEAD) -> None:
        self.db = db
        self.nid = nid
        self.aead = aead

    async def create(self, issuer: TrustedIssuer, key: dict[str, Any]) -> None:
        key_row = {
            "pk": uuid.uuid4(),
            "sid": issuer.key_set,
            "kid": issuer.key_id,
            "nid": self.nid,
            "version": 0,
            "keydata": self.aead.encrypt(orjson.dumps(key)),
            "created_at": issuer.created_at,
        }
        row = {
            "id": issuer.id,
            "issuer": issuer.issuer,
            "subject": issuer.subject,
            "allow_any_subject": issuer.allow_any_subject,
            "scope": "|".join(issuer.scope),
            "key_set": issuer.key_set,
            "key_id": issuer.key_id,
            "created_at": issuer.created_at,
            "expires_at": issuer.expires_at,
            "nid": self.nid,
        }

        async def run(conn: AsyncConnection) -> None:
            exists = await conn.execute(
                select(jwk_t.c.pk).where(
                    jwk_t.c.sid == issuer.key_set,
                    jwk_t.c.kid == issuer.key_id,
                    jwk_t.c.nid == self.nid,
                )
            )
            if exists.first() is None:
                await conn.execute(jwk_t.insert().values(**key_row))
            await conn.execute(t.insert().values(**row))

        await self.db.transaction(run)

    async def get(self, issuer_id: uuid.UUID) -> TrustedIssuer | None:
        async def run(conn: AsyncConnection) -> TrustedIssuer | None:
            q = select(t).where(t.c.id == issuer_id, t.c.nid == self.nid)
            row = (await conn.execute(q)).mappings().first()
            return None if row is None else _issuer(row)

        return await self.db.read(run)

    async def list(
        self, issuer: str | None, limit: int, after: uuid.UUID | None
    ) -> list[TrustedIssuer]:
        query = select(t).where(t.c.nid == self.nid)
        if issuer:
            query = query.where(t.c.issuer == issuer)
        if after is not None:
            query = query.where(t.c.id > after)
        query = query.order_by(t.c.id).limit(limit)

        async def run(conn: AsyncConnection) -> list[TrustedIssuer]:
            return [_issuer(r) for r in (await conn.execute(query)).mappings()]

        return await self.db.read(run)

    async def delete(self, issuer_id: uuid.UUID) -> bool:
        async def run(conn: AsyncConnection) -> bool:
            row = (
                (await conn.execute(select(t).where(t.c.id == issuer_id, t.c.nid == self.nid)))
                .mappings()
                .first()
            )
            if row is None:
                return False
            await conn.execute(delete(t).where(t.c.id == issuer_id, t.c.nid == self.nid))
            still_used = await conn.execute(
                select(t.c.id).where(
                    t.c.key_set == row["key_set"], t.c.key_id == row["key_id"], t.c.nid == self.nid
                )
            )
            if still_used.first() is None:
                await conn.execute(
                    delete(jwk_t).where(
                        jwk_t.c.sid == row["key_set"],
                        jwk_t.c.kid == row["key_id"],
                        jwk_t.c.nid == self.nid,
                    )
                )
            return True

        return await self.db.transaction(run)

    async def find(
        self, issuer: str, subject: str, key_id: str, now: datetime
    ) -> tuple[TrustedIssuer, dict[str, Any]] | None:
        """The unexpired trust relation (and its key) that admits ``subject`` from ``issuer``."""
        query = (
            select(t, jwk_t.c.keydata)
            .join(
                jwk_t,
                (jwk_t.c.sid == t.c.key_set)
                & (jwk_t.c.kid == t.c.key_id)
                & (jwk_t.c.nid == t.c.nid),
            )
            .where(
                t.c.nid == self.nid,
                t.c.issuer == issuer,
                t.c.expires_at > now,
                or_(t.c.subject == subject, t.c.allow_any_subject.is_(True)),
            )
        )
        if key_id:
            query = query.where(t.c.key_id == key_id)

        async def run(conn: AsyncConnection) -> tuple[TrustedIssuer, dict[str, Any]] | None:
            row = (await conn.execute(query.limit(1))).mappings().first()
            if row is None:
                return None
            return _issuer(row), orjson.loads(self.aead.decrypt(row["keydata"]))

        return await self.db.read(run)
