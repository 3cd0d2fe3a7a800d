"""SQL for sessions and their devices, scoped to one network.

Whoami is the hot path: its lookup by token (joined with the identity and
the devices) is hand-written SQL in :mod:`roost.identity.sql.session_lookup`.
Admin lists use keyset pagination on ``(created_at DESC, id)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.identity.identities.model import now
from roost.identity.sessions.model import Device, Session
from roost.identity.sql.identities import IdentityStore
from roost.identity.sql.session_lookup import SessionLookup
from roost.identity.sql.tables import session_devices, sessions
from roost.storage.database import Database


def _session(row: Any) -> Session:
    return Session(
        id=row.id,
        identity_id=row.identity_id,
        token=row.token,
        logout_token=row.logout_token,
        active=row.active,
        aal=row.aal,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        authenticated_at=row.authenticated_at,
        authentication_methods=list(row.authentication_methods or []),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SessionStore:
    def __init__(self, db: Database, nid: uuid.UUID, identities: IdentityStore) -> None:
        self.db = db
        self.nid = nid
        self.identities = identities
        self.lookup = SessionLookup(db, nid, addresses=identities.addresses)

    async def insert(self, conn: AsyncConnection, s: Session) -> None:
        await conn.execute(
            sessions.insert().values(
                id=s.id,
                nid=self.nid,
                identity_id=s.identity_id,
                token=s.token,
                logout_token=s.logout_token,
                active=s.active,
                aal=s.aal,
                issued_at=s.issued_at,
                expires_at=s.expires_at,
                authenticated_at=s.authenticated_at,
                authentication_methods=s.authentication_methods,
                created_at=s.created_at,
                updated_at=s.updated_at,
            )
        )
        for d in s.devices:
            await conn.execute(
                session_devices.insert().values(
                    id=d.id,
                    nid=self.nid,
                    session_id=s.id,
                    ip_address=d.ip_address[:50],
                    user_agent=d.user_agent[:512],
                    location=d.location[:512],
                    created_at=s.created_at,
                    updated_at=s.created_at,
                )
            )

    async def refresh_in(self, conn: AsyncConnection, s: Session) -> None:
        """Record a re-authentication (``refresh=true`` login) on an existing session."""
        await conn.execute(
            update(sessions)
            .where(sessions.c.nid == self.nid, sessions.c.id == s.id)
            .values(
                authenticated_at=s.authenticated_at,
                authentication_methods=s.authentication_methods,
                aal=s.aal,
                expires_at=s.expires_at,
                updated_at=now(),
            )
        )

    async def create(self, s: Session) -> None:
        async def run(conn: AsyncConnection) -> None:
            await self.insert(conn, s)

        await self.db.transaction(run)

    async def _complete(self, conn: AsyncConnection, found: list[Session]) -> list[Session]:
        """Attach devices and identities (without credentials) to sessions."""
        if not found:
            return found
        by_id = {s.id: s for s in found}
        rows = await conn.execute(
            select(session_devices)
            .where(session_devices.c.nid == self.nid, session_devices.c.session_id.in_(list(by_id)))
            .order_by(session_devices.c.created_at)
        )
        for r in rows:
            by_id[r.session_id].devices.append(
                Device(r.ip_address or "", r.user_agent or "", r.location or "", r.id)
            )
        idents = await self.identities.load(
            conn, list({s.identity_id for s in found}), with_credentials=False
        )
        for s in found:
            s.identity = idents.get(s.identity_id)
        return found

    async def by_token(self, token: str) -> Session | None:
        """Whoami's lookup: session, identity and devices in one hand-written statement."""
        return await self.lookup.by_token(token)

    async def get(self, session_id: uuid.UUID) -> Session | None:
        async def run(conn: AsyncConnection) -> Session | None:
            row = (
                await conn.execute(
                    select(sessions).where(sessions.c.id == session_id, sessions.c.nid == self.nid)
                )
            ).first()
            if row is None:
                return None
            return (await self._complete(conn, [_session(row)]))[0]

        return await self.db.read(run)

    async def list(
        self,
        *,
        identity_id: uuid.UUID | None = None,
        active: bool | None = None,
        after: tuple[datetime, uuid.UUID] | None = None,
        limit: int = 250,
        exclude: uuid.UUID | None = None,
    ) -> list[Session]:
        async def run(conn: AsyncConnection) -> list[Session]:
            query = select(sessions).where(sessions.c.nid == self.nid)
            if identity_id is not None:
                query = query.where(sessions.c.identity_id == identity_id)
            if exclude is not None:
                query = query.where(sessions.c.id != exclude)
            at = now()
            if active is True:
                query = query.where(sessions.c.active.is_(True), sessions.c.expires_at > at)
            elif active is False:
                query = query.where(or_(sessions.c.active.is_(False), sessions.c.expires_at <= at))
            if after is not None:
                created, sid = after
                query = query.where(
                    or_(
                        sessions.c.created_at < created,
                        and_(sessions.c.created_at == created, sessions.c.id > sid),
                    )
                )
            query = query.order_by(sessions.c.created_at.desc(), sessions.c.id).limit(limit)
            found = [_session(r) for r in await conn.execute(query)]
            return await self._complete(conn, found)

        return await self.db.read(run)

    async def revoke(
        self,
        *,
        session_id: uuid.UUID | None = None,
        token: str | None = None,
        identity_id: uuid.UUID | None = None,
        except_id: uuid.UUID | None = None,
    ) -> int:
        """Mark matching active sessions inactive; the number changed."""

        async def run(conn: AsyncConnection) -> int:
            stmt = update(sessions).where(sessions.c.nid == self.nid, sessions.c.active.is_(True))
            if session_id is not None:
                stmt = stmt.where(sessions.c.id == session_id)
            if token is not None:
                stmt = stmt.where(sessions.c.token == token)
            if identity_id is not None:
                stmt = stmt.where(sessions.c.identity_id == identity_id)
            if except_id is not None:
                stmt = stmt.where(sessions.c.id != except_id)
            result = await conn.execute(stmt.values(active=False, updated_at=now()))
            return int(result.rowcount)

        return await self.db.transaction(run, idempotent=True)

    async def delete_for_identity(self, identity_id: uuid.UUID) -> int:
        async def run(conn: AsyncConnection) -> int:
            result = await conn.execute(
                delete(sessions).where(
                    sessions.c.nid == self.nid, sessions.c.identity_id == identity_id
                )
            )
            return int(result.rowcount)

        return await self.db.transaction(run, idempotent=True)

    async def manage(
        self,
        action: str,
        *,
        identity_ids: Sequence[uuid.UUID] | None = None,
        session_ids: Sequence[uuid.UUID] | None = None,
        limit: int | None = None,
    ) -> int:
        """``POST /admin/sessions``: disable (active ones only) or delete the sessions of
        ``identity_ids``, or ``session_ids``, or with neither at most ``limit`` of the
        network's; how many rows changed."""
        c = sessions.c
        chosen = select(c.id).where(c.nid == self.nid)
        if identity_ids is not None:
            chosen = chosen.where(c.identity_id.in_(identity_ids))
        if session_ids is not None:
            chosen = chosen.where(c.id.in_(session_ids))
        if action == "disable":
            chosen = chosen.where(c.active.is_(True))
        if limit is not None:
            chosen = chosen.order_by(c.id).limit(limit)

        async def run(conn: AsyncConnection) -> int:
            ids = [row.id for row in await conn.execute(chosen)]
            if not ids:
                return 0
            if action == "disable":
                stmt: Any = update(sessions).values(active=False, updated_at=now())
            else:
                await conn.execute(
                    delete(session_devices).where(session_devices.c.session_id.in_(ids))
                )
                stmt = delete(sessions)
            result = await conn.execute(stmt.where(c.nid == self.nid, c.id.in_(ids)))
            return int(result.rowcount)

        return await self.db.transaction(run, idempotent=True)

    async def extend(self, session_id: uuid.UUID, expires_at: datetime) -> bool:
        async def run(conn: AsyncConnection) -> bool:
            result = await conn.execute(
                update(sessions)
                .where(sessions.c.nid == self.nid, sessions.c.id == session_id)
                .values(expires_at=expires_at, updated_at=now())
            )
            return bool(result.rowcount)

        return await self.db.transaction(run, idempotent=True)

    async def count(self) -> int:
        async def run(conn: AsyncConnection) -> int:
            value = await conn.scalar(
                select(func.count()).select_from(sessions).where(sessions.c.nid == self.nid)
            )
            return int(value or 0)

        return await self.db.read(run)
