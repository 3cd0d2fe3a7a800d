"""Consent sessions (granted flows) and their revocation; a subject's login sessions.

A revoked consent takes its codes and tokens with it: they carry the consent
id as ``request_id`` (the code grant sets it), and all go in one transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.oauth2.consent.flow import CONSENT_USED, Flow
from roost.oauth2.sql.flows import _flow
from roost.oauth2.sql.tables import hydra_oauth2_access as access_t
from roost.oauth2.sql.tables import hydra_oauth2_authentication_session as session_t
from roost.oauth2.sql.tables import hydra_oauth2_code as code_t
from roost.oauth2.sql.tables import hydra_oauth2_flow as flow_t
from roost.oauth2.sql.tables import hydra_oauth2_refresh as refresh_t
from roost.storage.database import Database


class ConsentSessionStore:
    def __init__(self, db: Database, nid: uuid.UUID) -> None:
        self.db = db
        self.nid = nid

    def _granted(self) -> list[Any]:
        c = flow_t.c
        return [
            c.nid == self.nid,
            c.state == CONSENT_USED,
            c.consent_error.is_(None),
            c.consent_skip.is_(False),
        ]

    async def granted_consents(
        self,
        subject: str,
        login_session_id: str | None,
        now: datetime,
        limit: int,
        after: str | None,
    ) -> list[Flow]:
        c = flow_t.c
        where = [
            *self._granted(),
            c.subject == subject,
            or_(c.expires_at.is_(None), c.expires_at > now),
        ]
        if login_session_id:
            where.append(c.login_session_id == login_session_id)
        if after:
            where.append(c.login_challenge > after)
        query = select(flow_t).where(*where).order_by(c.login_challenge).limit(limit)

        async def run(conn: AsyncConnection) -> list[Flow]:
            return [_flow(r) for r in (await conn.execute(query)).mappings()]

        return await self.db.read(run)

    async def revoke_consents(
        self, *, subject: str | None, client_id: str | None, consent_id: str | None
    ) -> int:
        c = flow_t.c
        where = [c.nid == self.nid, c.consent_challenge_id.is_not(None)]
        if subject is not None:
            where.append(c.subject == subject)
        if client_id is not None:
            where.append(c.client_id == client_id)
        if consent_id is not None:
            where.append(c.consent_challenge_id == consent_id)

        async def run(conn: AsyncConnection) -> int:
            ids = [
                str(r[0]) for r in await conn.execute(select(c.consent_challenge_id).where(*where))
            ]
            if not ids:
                return 0
            for table in (access_t, refresh_t, code_t):
                await conn.execute(
                    delete(table).where(table.c.request_id.in_(ids), table.c.nid == self.nid)
                )
            await conn.execute(
                delete(flow_t).where(c.consent_challenge_id.in_(ids), c.nid == self.nid)
            )
            return len(ids)

        return await self.db.transaction(run)

    async def delete_subject_sessions(self, subject: str) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(
                delete(session_t).where(session_t.c.subject == subject, session_t.c.nid == self.nid)
            )

        await self.db.transaction(run, idempotent=True)
