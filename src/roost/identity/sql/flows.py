"""SQL for the self-service flows of every kind, and the cleanup of expired rows.

The flow's UI (nodes and messages) lives in the ``ui`` JSON column as in
Kratos; ``action`` is derived from the public URL when rendering, so a
changed base URL never leaves stale links in stored flows. Each kind's own
columns (login's ``forced``, settings' ``identity_id``...) are written and
read by its :class:`FlowKind`, so a kind keeps its state without the others
knowing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.identity.identities.model import now
from roost.identity.selfservice.flow import SKIP_CSRF, Flow
from roost.identity.sql.tables import FLOW_TABLES, sessions
from roost.storage.database import Database


def _login_values(f: Flow) -> dict[str, object]:
    return {
        "forced": f.refresh,
        "requested_aal": f.requested_aal,
        "identity_schema_id": f.identity_schema_id,
    }


def _login_read(row: Any, f: Flow) -> None:
    f.refresh = bool(row.forced)
    f.requested_aal = row.requested_aal or "aal1"
    _registration_read(row, f)


def _registration_values(f: Flow) -> dict[str, object]:
    return {"identity_schema_id": f.identity_schema_id}


def _registration_read(row: Any, f: Flow) -> None:
    f.submit_count = row.submit_count or 0
    f.identity_schema_id = row.identity_schema_id


def _settings_values(f: Flow) -> dict[str, object]:
    return {"identity_id": f.identity_id}


def _settings_read(row: Any, f: Flow) -> None:
    f.identity_id = row.identity_id


def _address_values(f: Flow) -> dict[str, object]:
    values: dict[str, object] = {}
    if f.kind == "recovery":
        values["recovered_identity_id"] = f.identity_id
        values["skip_csrf_check"] = bool(f.internal_context.get(SKIP_CSRF))
    return values


def _address_read(row: Any, f: Flow) -> None:
    f.submit_count = row.submit_count or 0
    if f.kind == "recovery":
        f.identity_id = row.recovered_identity_id


@dataclass(frozen=True)
class FlowKind:
    """One flow kind's table and the columns only it has (beyond those in ``FlowStore._values``).

    A new kind (recovery, verification) is one entry in :data:`FLOW_KINDS`.
    """

    table: Table
    values: Callable[[Flow], dict[str, object]]
    read: Callable[[Any, Flow], None]


FLOW_KINDS: dict[str, FlowKind] = {
    "login": FlowKind(FLOW_TABLES["login"], _login_values, _login_read),
    "registration": FlowKind(FLOW_TABLES["registration"], _registration_values, _registration_read),
    "settings": FlowKind(FLOW_TABLES["settings"], _settings_values, _settings_read),
    "recovery": FlowKind(FLOW_TABLES["recovery"], _address_values, _address_read),
    "verification": FlowKind(FLOW_TABLES["verification"], _address_values, _address_read),
}


class FlowStore:
    def __init__(
        self, db: Database, nid: uuid.UUID, kinds: Mapping[str, FlowKind] = FLOW_KINDS
    ) -> None:
        self.db = db
        self.nid = nid
        self.kinds = kinds

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
            "updated_at": f.updated_at,
        }
        values.update(self.kinds[f.kind].values(f))
        return values

    async def insert_in(self, conn: AsyncConnection, f: Flow) -> None:
        """Insert the flow inside the caller's transaction (admin recovery: with its code)."""
        table = self.kinds[f.kind].table
        values = self._values(f)
        if "submit_count" in table.c:
            # written when the flow is created, later only by the code store's counter:
            # an update of a flow read before a submission was counted must not undo it
            values["submit_count"] = f.submit_count
        await conn.execute(
            table.insert().values(id=f.id, nid=self.nid, created_at=f.created_at, **values)
        )

    async def create(self, f: Flow) -> None:
        async def run(conn: AsyncConnection) -> None:
            await self.insert_in(conn, f)

        await self.db.transaction(run)

    async def save_in(self, conn: AsyncConnection, f: Flow) -> None:
        """Update the flow inside the caller's transaction (with the identity or session).

        By primary key alone: ``f`` was read with its network (``get``), and with ``nid``
        beside the id PostgreSQL, before it has statistics, may scan ``(nid, expires_at)``
        for every flow of the network — under SERIALIZABLE a predicate lock on all of
        them, so concurrent flows conflict (decision 0023, as identity-0002 for whoami).
        """
        table = self.kinds[f.kind].table
        f.updated_at = now()
        await conn.execute(update(table).where(table.c.id == f.id).values(**self._values(f)))

    async def save(self, f: Flow) -> None:
        async def run(conn: AsyncConnection) -> None:
            await self.save_in(conn, f)

        await self.db.transaction(run, idempotent=True)

    async def get(self, kind: str, flow_id: uuid.UUID) -> Flow | None:
        found = self.kinds.get(kind)
        if found is None:
            return None
        table, read = found.table, found.read

        async def run(conn: AsyncConnection) -> Flow | None:
            row = (
                await conn.execute(
                    select(table).where(table.c.id == flow_id, table.c.nid == self.nid)
                )
            ).first()
            if row is None:
                return None
            ui = row.ui or {}
            f = Flow(
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
                csrf_token=row.csrf_token or "",
                internal_context=dict(row.internal_context or {}),
            )
            read(row, f)
            return f

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
        for table in (*(k.table for k in self.kinds.values()), sessions):
            removed += await self._cleanup_table(table, before, batch)
        return removed
