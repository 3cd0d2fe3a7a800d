"""``hydra_oauth2_flow`` and ``hydra_oauth2_authentication_session``: the FlowStore.

A flow is written whole at every step; :meth:`FlowStore.advance` updates it
only while its stored state is an expected one, which makes every challenge
and verifier single-use even under concurrent requests (the losing UPDATE
matches no row).

The statements of a flow's steps (insert, read by challenge, guarded update,
login-session upsert) are hand-written single statements in autocommit
(``sql/raw.py``): each step of the code flow made several, and SQLAlchemy's
statement building for a 38-column row plus BEGIN/COMMIT round trips was most
of the flow's CPU (README, code-flow benchmark).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.oauth2.consent.flow import CONSENT_USED, Flow, LoginSession
from roost.oauth2.sql.raw import GuardedUpdate, KeyLookup, RawInsert, bound
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
        self._insert = RawInsert(db, flow_t)
        self._by_challenge = KeyLookup(db, flow_t, "login_challenge", nid)
        self._by_consent = KeyLookup(db, flow_t, "consent_challenge_id", nid)
        self._advance = GuardedUpdate(db, flow_t, "login_challenge", "state")
        self._session = KeyLookup(db, session_t, "id", nid)
        self._save_session = RawInsert(db, session_t, replace_on="id")
        self._nid = bound(db, flow_t.c.nid, nid)
        m = ["$1", "$2", "$3", "$4", "$5"] if db.dialect != "sqlite" else ["?"] * 5
        self._remembered = (
            f"SELECT {', '.join(self._by_challenge.names)} FROM hydra_oauth2_flow "  # noqa: S608
            f"WHERE subject = {m[0]} AND client_id = {m[1]} AND nid = {m[2]} "
            f"AND consent_skip = false AND consent_remember = true AND state = {m[3]} "
            f"AND consent_error IS NULL AND (expires_at IS NULL OR expires_at > {m[4]}) "
            "ORDER BY requested_at DESC LIMIT 20"
        )

    async def create(self, flow: Flow) -> None:
        await self._insert.insert({**_row(flow), "nid": self.nid})

    async def get(self, flow_id: str) -> Flow | None:
        row = await self._by_challenge.get(flow_id)
        return None if row is None else _flow(row)

    async def get_by_consent(self, consent_id: str) -> Flow | None:
        row = await self._by_consent.get(consent_id)
        return None if row is None else _flow(row)

    async def advance(self, flow: Flow, expected: tuple[int, ...]) -> bool:
        """``flow`` was read from this network (or created in it), so its id is ours."""
        return await self._advance.update(flow.id, _row(flow), expected)

    async def remembered_consents(self, subject: str, client_id: str, now: datetime) -> list[Flow]:
        """Read once per login verifier, so as hand-written SQL like the steps above."""
        params = (
            subject,
            client_id,
            self._nid,
            CONSENT_USED,
            bound(self.db, flow_t.c.expires_at, now),
        )
        async with self.db.raw_reader() as run:
            rows = await run(self._remembered, params)
        return [_flow(row) for row in self._by_challenge.rows(rows)]

    async def get_session(self, session_id: str) -> LoginSession | None:
        row = await self._session.get(session_id)
        if row is None:
            return None
        return LoginSession(**{k: v for k, v in row.items() if k != "nid"})

    async def save_session(self, session: LoginSession) -> None:
        """Insert or replace (Hydra's upsert), as one statement."""
        await self._save_session.insert({**asdict(session), "nid": self.nid})

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
