"""SQL for recovery and verification codes and link tokens (``selfservice.codes.CodeStore``).

Four Kratos tables share one shape (decision 0023), each described by a
:class:`CodeTable`. The submission count is its own committed statement
(``UPDATE ... RETURNING``) before any code is read, as Kratos's
``incrementOTPCodeSubmitCount``: a guess counts even when the rest fails,
and two racing guesses cannot both slip under the limit. Redeeming is one
SERIALIZABLE transaction: ``UPDATE ... SET used_at WHERE used_at IS NULL``
(so one of two concurrent uses wins), the address, the flow and the session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.core.errors import Invalid
from roost.identity.identities.model import Address, Identity, now
from roost.identity.selfservice.codes import OneTimeCode
from roost.identity.selfservice.flow import Flow
from roost.identity.sessions.model import Session
from roost.identity.sql import code_tables as t
from roost.identity.sql.flows import FlowStore
from roost.identity.sql.identities import IdentityStore
from roost.identity.sql.sessions import SessionStore
from roost.identity.sql.tables import FLOW_TABLES, recovery_addresses, verifiable_addresses
from roost.storage.database import Database


@dataclass(frozen=True)
class CodeTable:
    table: Table
    value: str
    """The column holding the HMAC."""
    flow: str
    address: str
    """The address's id column, or (login codes) the address itself."""
    type_column: str | None = None
    identity: bool = False


_R_FLOW, _V_FLOW = "selfservice_recovery_flow_id", "selfservice_verification_flow_id"
_R_ADDR, _V_ADDR = "identity_recovery_address_id", "identity_verifiable_address_id"
TABLES = {
    "recovery_code": CodeTable(t.recovery_codes, "code", _R_FLOW, _R_ADDR, "code_type", True),
    "recovery_token": CodeTable(t.recovery_tokens, "token", _R_FLOW, _R_ADDR, "token_type", True),
    "verification_code": CodeTable(t.verification_codes, "code_hmac", _V_FLOW, _V_ADDR),
    "verification_token": CodeTable(t.verification_tokens, "token", _V_FLOW, _V_ADDR),
    "login_code": CodeTable(
        t.login_codes, "code", "selfservice_login_flow_id", "address", identity=True
    ),
    "registration_code": CodeTable(
        t.registration_codes, "code", "selfservice_registration_flow_id", "address"
    ),
}
_FLOWS = {
    "recovery": t.recovery_flows,
    "verification": t.verification_flows,
    "login": FLOW_TABLES["login"],
    "registration": FLOW_TABLES["registration"],
}


def _code(kind: str, row: Any) -> OneTimeCode:
    spec = TABLES[kind]
    m = row._mapping
    return OneTimeCode(
        kind=kind,
        flow_id=m[spec.flow],
        digest=m[spec.value],
        expires_at=m["expires_at"],
        identity_id=m.get("identity_id"),
        address_id=m[spec.address] if spec.address != "address" else None,
        address=m[spec.address] if spec.address == "address" else None,
        code_type=m[spec.type_column] if spec.type_column else 2,
        id=m["id"],
        issued_at=m["issued_at"],
        used_at=m["used_at"],
    )


class CodeStore:
    """``roost.identity.selfservice.codes.CodeStore`` on SQL."""

    def __init__(
        self,
        db: Database,
        nid: uuid.UUID,
        flows: FlowStore,
        identities: IdentityStore,
        sessions: SessionStore,
    ) -> None:
        self.db = db
        self.nid = nid
        self.flows = flows
        self.identities = identities
        self.sessions = sessions

    def _row(self, code: OneTimeCode) -> dict[str, Any]:
        spec = TABLES[code.kind]
        row: dict[str, Any] = {
            "id": code.id,
            "nid": self.nid,
            spec.value: code.digest,
            spec.flow: code.flow_id,
            "expires_at": code.expires_at,
            "issued_at": code.issued_at,
            "used_at": None,
            "created_at": code.issued_at,
            "updated_at": code.issued_at,
        }
        if spec.address == "address":
            row.update(address=code.address, address_type="email")
        else:
            row[spec.address] = code.address_id
        if spec.identity:
            row["identity_id"] = code.identity_id
        if spec.type_column:
            row[spec.type_column] = code.code_type
        return row

    async def _insert(self, conn: AsyncConnection, code: OneTimeCode) -> None:
        # insert only: a resend voids earlier codes by being newer (``candidates``), so
        # this transaction reads nothing another one could write (SERIALIZABLE)
        await conn.execute(TABLES[code.kind].table.insert().values(**self._row(code)))

    async def add(self, code: OneTimeCode, f: Flow | None = None) -> None:
        async def run(conn: AsyncConnection) -> None:
            await self._insert(conn, code)
            if f is not None:
                await self.flows.save_in(conn, f)

        await self.db.transaction(run)

    async def add_with_flow(self, code: OneTimeCode, f: Flow) -> None:
        async def run(conn: AsyncConnection) -> None:
            await self.flows.insert_in(conn, f)
            await self._insert(conn, code)

        await self.db.transaction(run)

    async def count_submission(self, kind: str, flow_id: uuid.UUID) -> int:
        table = _FLOWS[kind]

        async def run(conn: AsyncConnection) -> int:
            row = (
                await conn.execute(
                    update(table)  # by primary key alone, as ``FlowStore.save_in``
                    .where(table.c.id == flow_id)
                    .values(submit_count=table.c.submit_count + 1)
                    .returning(table.c.submit_count)
                )
            ).first()
            if row is None:
                raise Invalid("The flow does not exist.")
            return int(row[0])

        return await self.db.transaction(run)

    async def candidates(self, kind: str, flow_id: uuid.UUID) -> list[OneTimeCode]:
        spec = TABLES[kind]
        table = spec.table

        async def run(conn: AsyncConnection) -> list[OneTimeCode]:
            query = (
                select(table)
                .where(table.c[spec.flow] == flow_id, table.c.nid == self.nid)
                .order_by(table.c.issued_at.desc(), table.c.id)
                .limit(1)
            )
            newest = [_code(kind, r) for r in await conn.execute(query)]
            return [c for c in newest if c.used_at is None]

        return await self.db.read(run)

    async def _verify(self, conn: AsyncConnection, code: OneTimeCode) -> None:
        """Mark the code's verifiable address (for a recovery code: the one of the same
        value, if the identity has one; for a login code: the identity's one it was mailed
        to) verified."""
        v = verifiable_addresses
        # by key or identity, not nid (which would scan the network's addresses, see
        # ``FlowStore.save_in``): the code and its identity were read with the network
        where = []
        if code.kind.startswith("verification"):
            where.append(v.c.id == code.address_id)
        elif code.kind == "login_code":
            where += [v.c.identity_id == code.identity_id, v.c.value == code.address]
        else:
            r = recovery_addresses
            value = select(r.c.value).where(r.c.id == code.address_id).scalar_subquery()
            where += [v.c.identity_id == code.identity_id, v.c.value == value]
        at = now()
        await conn.execute(
            update(v)
            .where(*where, v.c.verified.is_(False))
            .values(verified=True, status="completed", verified_at=at, updated_at=at)
        )

    async def redeem(
        self,
        code: OneTimeCode,
        f: Flow,
        *,
        session: Session | None = None,
        verify: bool = False,
    ) -> bool:
        table = TABLES[code.kind].table

        async def run(conn: AsyncConnection) -> bool:
            used = await conn.execute(
                update(table)  # by primary key: the code was read with its network
                .where(table.c.id == code.id, table.c.used_at.is_(None))
                .values(used_at=now(), updated_at=now())
            )
            if used.rowcount == 0:
                return False
            if verify and (code.address_id is not None or code.kind == "login_code"):
                await self._verify(conn, code)
            await self.flows.save_in(conn, f)
            if session is not None:
                await self.sessions.insert(conn, session)
            return True

        return await self.db.transaction(run)

    async def verified_identity(self, address_id: uuid.UUID) -> Identity | None:
        async def run(conn: AsyncConnection) -> Identity | None:
            identity_id = await conn.scalar(
                select(verifiable_addresses.c.identity_id).where(
                    verifiable_addresses.c.nid == self.nid,
                    verifiable_addresses.c.id == address_id,
                )
            )
            if identity_id is None:
                return None
            return (await self.identities.load(conn, [identity_id])).get(identity_id)

        return await self.db.read(run)

    async def owner(self, kind: str, value: str) -> tuple[Identity, Address] | None:
        table = recovery_addresses if kind == "recovery" else verifiable_addresses

        async def run(conn: AsyncConnection) -> tuple[Identity, Address] | None:
            row = (
                await conn.execute(
                    select(table.c.id, table.c.identity_id).where(
                        table.c.nid == self.nid, table.c.via == "email", table.c.value == value
                    )
                )
            ).first()
            if row is None:
                return None
            found = (await self.identities.load(conn, [row.identity_id])).get(row.identity_id)
            if found is None or found.state != "active":
                return None
            addresses = (
                found.recovery_addresses if kind == "recovery" else found.verifiable_addresses
            )
            address = next((a for a in addresses if a.id == row.id), None)
            return (found, address) if address is not None else None

        return await self.db.read(run)
