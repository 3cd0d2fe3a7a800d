"""``hydra_oauth2_flow`` and ``hydra_oauth2_authentication_session``: the FlowStore.

A flow is written whole at every step; :meth:`FlowStore.advance` updates it
only while its stored state is an expected one, which makes every challenge
and verifier single-use even under concurrent requests (the losing UPDATE
matches no row).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.oauth2.consent.flow import CONSENT_USED, Flow, LoginSession
from roost.oauth2.sql.tables import hydra_oauth2_authentication_session as session_t
from roost.oauth2.sql.tables import hydra_oauth2_flow as flow_t
from roost.storage.database import Database

# Flow attribute -> column, where the two names differ.
_RENAMED = {"id": "login_challenge", "requested_audience": "requested_at_audience",
            "granted_audience": "granted_at_audience"}  # fmt: skip
_COLUMNS = {v: k for k, v in _RENAMED.items()}


def _row(flow: Flow) -> dict[str, Any]:
    return {_RENAMED.get(k, k): v for k, v in asdict(flow).items()}


def _flow(row: Mapping[Any, Any]) -> Flow:
    values = {_COLUMNS.get(k, k): v for k, v in row.items() if k != "nid"}
    for name in ("amr", "granted_scope", "granted_audience"):
        values[name] = values[name] or []
    for name in ("context", "session_access_token", "session_id_token"):
        values[name] = values[name] or {}
    return Flow(**values)


class FlowStore:
    def __init__(self, db: Database, nid: uuid.UUID) -> None:
        self.db = db
        self.nid = nid

    async def create(self, flow: Flow) -> None:
        row = {**_row(flow), "nid": self.nid}

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(flow_t.insert().values(**row))

        await self.db.transaction(run)

    async def _one(self, *where: Any) -> Flow | None:
        query = select(flow_t).where(flow_t.c.nid == self.nid, *where)

        async def run(conn: AsyncConnection) -> Flow | None:
            row = (await conn.execute(query)).mappings().first()
            return None if row is None else _flow(row)

        return await self.db.read(run)

    async def get(self, flow_id: str) -> Flow | None:
        return await self._one(flow_t.c.login_challenge == flow_id)

    async def get_by_consent(self, consent_id: str) -> Flow | None:
        return await self._one(flow_t.c.consent_challenge_id == consent_id)

    async def advance(self, flow: Flow, expected: tuple[int, ...]) -> bool:
        row = _row(flow)
        del row["login_challenge"]

        async def run(conn: AsyncConnection) -> bool:
            done = await conn.execute(
                update(flow_t)
                .where(
                    flow_t.c.login_challenge == flow.id,
                    flow_t.c.nid == self.nid,
                    flow_t.c.state.in_(expected),
                )
                .values(**row)
            )
            return bool(done.rowcount)

        return await self.db.transaction(run)

    async def remembered_consents(self, subject: str, client_id: str, now: datetime) -> list[Flow]:
        c = flow_t.c
        query = (
            select(flow_t)
            .where(
                c.subject == subject,
                c.client_id == client_id,
                c.nid == self.nid,
                c.consent_skip.is_(False),
                c.consent_remember.is_(True),
                c.state == CONSENT_USED,
                c.consent_error.is_(None),
                or_(c.expires_at.is_(None), c.expires_at > now),
            )
            .order_by(c.requested_at.desc())
            .limit(20)
        )

        async def run(conn: AsyncConnection) -> list[Flow]:
            return [_flow(r) for r in (await conn.execute(query)).mappings()]

        return await self.db.read(run)

    async def get_session(self, session_id: str) -> LoginSession | None:
        query = select(session_t).where(session_t.c.id == session_id, session_t.c.nid == self.nid)

        async def run(conn: AsyncConnection) -> LoginSession | None:
            row = (await conn.execute(query)).mappings().first()
            if row is None:
                return None
            return LoginSession(**{k: v for k, v in row.items() if k != "nid"})

        return await self.db.read(run)

    async def save_session(self, session: LoginSession) -> None:
        """Insert or replace (Hydra's upsert), as one delete and one insert."""
        row = {**asdict(session), "nid": self.nid}

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(
                delete(session_t).where(session_t.c.id == session.id, session_t.c.nid == self.nid)
            )
            await conn.execute(session_t.insert().values(**row))

        await self.db.transaction(run)

    async def delete_session(self, session_id: str) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(
                delete(session_t).where(session_t.c.id == session_id, session_t.c.nid == self.nid)
            )

        await self.db.transaction(run, idempotent=True)

    async def session_clients(self, session_id: str) -> list[str]:
        c = flow_t.c
        query = (
            select(c.client_id)
            .where(
                c.login_session_id == session_id,
                c.nid == self.nid,
                c.state == CONSENT_USED,
                c.consent_error.is_(None),
            )
            .distinct()
        )

        async def run(conn: AsyncConnection) -> list[str]:
            return sorted(str(r[0]) for r in await conn.execute(query))

        return await self.db.read(run)
