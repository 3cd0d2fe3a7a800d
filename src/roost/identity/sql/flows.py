"""SQL for self-service login and registration flows, and the cleanup of expired rows.

The flow's UI (nodes and messages) lives in the ``ui`` JSON column as in
Kratos; ``action`` is derived from the public URL when rendering, so a
changed base URL never leaves stale links in stored flows.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.identity.identities.model import now
from roost.identity.selfservice.flow import Flow
from roost.identity.sql.tables import FLOW_TABLES, sessions
from roost.storage.database import Database


class FlowStore:
    def __init__(self, db: Database, nid: uuid.UUID) -> None:
        self.db = db
        self.nid = nid

    def _values(self, f: Flow) -> dict[str, object]:
        values: dict[str, object] = {
            "request_url": f.request_url,
            "issued_at": f.issued_at,
            "expires_at": f.expires_at,
            "active_method": f.active,
            "csrf_token": f.csrf_token,
            "type": f.type,
            "ui": {"nodes": f.nodes, "messages": f.messages},
            "internal_context": f.internal_context,
            "state": f.state,
            "submit_count": f.submit_count,
            "identity_schema_id": f.identity_schema_id,
            "updated_at": f.updated_at,
        }
        if f.kind == "login":
            values.update(forced=f.refresh, requested_aal=f.requested_aal)
        return values

    async def create(self, f: Flow) -> None:
        table = FLOW_TABLES[f.kind]

        async def run(conn: AsyncConnection) -> None:
            await conn.execute(
                table.insert().values(
                    id=f.id, nid=self.nid, created_at=f.created_at, **self._values(f)
                )
            )

        await self.db.transaction(run)

    async def save_in(self, conn: AsyncConnection, f: Flow) -> None:
        """Update the flow inside the caller's transaction (with the identity or session)."""
        table = FLOW_TABLES[f.kind]
        f.updated_at = now()
        await conn.execute(
            update(table)
            .where(table.c.id == f.id, table.c.nid == self.nid)
            .values(**self._values(f))
        )

    async def save(self, f: Flow) -> None:
        async def run(conn: AsyncConnection) -> None:
            await self.save_in(conn, f)

        await self.db.transaction(run, idempotent=True)

    async def get(self, kind: str, flow_id: uuid.UUID) -> Flow | None:
        table = FLOW_TABLES[kind]

        async def run(conn: AsyncConnection) -> Flow | None:
            row = (
                await conn.execute(
                    select(table).where(table.c.id == flow_id, table.c.nid == self.nid)
                )
            ).first()
            if row is None:
                return None
            ui = row.ui or {}
            return Flow(
                kind=kind,
                type=row.type,
                request_url=row.request_url,
                expires_at=row.expires_at,
                nodes=list(ui.get("nodes") or []),
                id=row.id,
                issued_at=row.issued_at,
                created_at=row.created_at,
                updated_at=row.updated_at,
                state=row.state or "choose_method",
                active=row.active_method,
                messages=list(ui.get("messages") or []),
                refresh=bool(getattr(row, "forced", False)),
                requested_aal=getattr(row, "requested_aal", "aal1") or "aal1",
                csrf_token=row.csrf_token or "",
                submit_count=row.submit_count or 0,
                identity_schema_id=row.identity_schema_id,
                internal_context=dict(row.internal_context or {}),
            )

        return await self.db.read(run)

    async def _cleanup_table(self, table: Table, before: datetime, batch: int) -> int:
        async def run(conn: AsyncConnection) -> int:
            query = (
                select(table.c.id)
                .where(table.c.nid == self.nid, table.c.expires_at < before)
                .limit(batch)
            )
            ids = [r[0] for r in await conn.execute(query)]
            if not ids:
                return 0
            result = await conn.execute(delete(table).where(table.c.id.in_(ids)))
            return int(result.rowcount)

        return await self.db.transaction(run, idempotent=True)

    async def cleanup(self, before: datetime, batch: int) -> int:
        """Delete one batch (per table) of flows and sessions that expired before ``before``."""
        removed = 0
        for table in (*FLOW_TABLES.values(), sessions):
            removed += await self._cleanup_table(table, before, batch)
        return removed
