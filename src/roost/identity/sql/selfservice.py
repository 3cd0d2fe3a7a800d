"""The flow store of the self-service flows: flows plus the write that finishes one.

A finished flow lands with what it produced (a new identity, a session) in
one transaction, retried as a whole on a serialization failure, so a client
never sees the identity without the completed flow or the reverse.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from roost.identity.identities.model import Identity
from roost.identity.selfservice.flow import Flow
from roost.identity.sessions.model import Session
from roost.identity.sql.flows import FlowStore
from roost.identity.sql.identities import IdentityStore
from roost.identity.sql.sessions import SessionStore
from roost.storage.database import Database


class SelfServiceStore(FlowStore):
    """``roost.identity.selfservice.flows.FlowStore`` on SQL."""

    def __init__(
        self, db: Database, nid: uuid.UUID, identities: IdentityStore, sessions: SessionStore
    ) -> None:
        super().__init__(db, nid)
        self.identities = identities
        self.sessions = sessions

    async def complete(
        self,
        f: Flow,
        *,
        identity: Identity | None = None,
        session: Session | None = None,
        updated: Identity | None = None,
        refreshed: Session | None = None,
    ) -> None:
        async def run(conn: AsyncConnection) -> None:
            if identity is not None:
                await self.identities.insert(conn, identity)
            if updated is not None:
                await self.identities.replace(conn, updated)
            if session is not None:
                await self.sessions.insert(conn, session)
            if refreshed is not None:
                await self.sessions.refresh_in(conn, refreshed)
            await self.save_in(conn, f)

        await self.db.transaction(run)
