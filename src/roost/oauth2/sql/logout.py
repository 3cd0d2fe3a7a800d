"""``hydra_oauth2_logout_request``: the LogoutStore.

Accepting and using are conditional UPDATEs (``WHERE NOT was_used`` …), so a
verifier finishes a logout once even under concurrent requests.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.oauth2.consent.logout import LogoutRequest
from roost.oauth2.sql.tables import hydra_oauth2_logout_request as logout_t
from roost.storage.database import Database


def _request(row: Mapping[Any, Any]) -> LogoutRequest:
    values = {k: v for k, v in row.items() if k not in ("nid", "challenge")}
    return LogoutRequest(id=row["challenge"], **values)


class LogoutStore:
    def __init__(self, db: Database, nid: uuid.UUID) -> None:
        self.db = db
        self.nid = nid

    async def create(self, request: LogoutRequest) -> None:
        row = asdict(request)
        row["challenge"] = row.pop("id")

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(logout_t.insert().values(**row, nid=self.nid))

        await self.db.transaction(run)

    async def get(self, request_id: str) -> LogoutRequest | None:
        query = select(logout_t).where(
            logout_t.c.challenge == request_id, logout_t.c.nid == self.nid
        )

        async def run(conn: AsyncConnection) -> LogoutRequest | None:
            row = (await conn.execute(query)).mappings().first()
            return None if row is None else _request(row)

        return await self.db.read(run)

    async def _update(self, request_id: str, values: dict[str, Any], *where: Any) -> bool:
        c = logout_t.c
        query = (
            update(logout_t)
            .where(c.challenge == request_id, c.nid == self.nid, *where)
            .values(**values)
        )

        async def run(conn: AsyncConnection) -> bool:
            return bool((await conn.execute(query)).rowcount)

        return await self.db.transaction(run)

    async def accept(self, request_id: str, verifier_hash: str) -> bool:
        c = logout_t.c
        return await self._update(
            request_id,
            {"accepted": True, "verifier": verifier_hash},
            c.was_used.is_(False),
            c.rejected.is_(False),
        )

    async def delete(self, request_id: str) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(
                delete(logout_t).where(
                    logout_t.c.challenge == request_id, logout_t.c.nid == self.nid
                )
            )

        await self.db.transaction(run, idempotent=True)

    async def use(self, request_id: str, verifier_hash: str) -> LogoutRequest | None:
        c = logout_t.c
        used = await self._update(
            request_id,
            {"was_used": True},
            c.was_used.is_(False),
            c.accepted.is_(True),
            c.verifier == verifier_hash,
        )
        return await self.get(request_id) if used else None
