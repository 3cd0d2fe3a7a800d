"""SQL for identities, their credentials, identifiers and addresses, scoped to one network.

An identity is written as rows in five tables inside one transaction, so a
duplicate identifier (the unique index on ``identity_credential_identifiers``)
aborts the whole write: nothing is half-written. Reads load a batch of
identities with one query per table, never one per identity.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.core.errors import NotFound
from roost.identity.identities.model import Address, Credential, Identity, now
from roost.identity.sessions.aal import available_aal
from roost.identity.sql.tables import (
    CREDENTIAL_TYPES,
    TYPE_NAMES,
    credentials,
    identifiers,
    identities,
    networks,
    recovery_addresses,
    verifiable_addresses,
)
from roost.storage.database import Database
from roost.storage.networks import ensure_network as shared_ensure_network


async def ensure_network(db: Database) -> uuid.UUID:
    """This service's network id (see roost.storage.networks)."""
    return await shared_ensure_network(db, networks)


def _identity(row: Any) -> Identity:
    return Identity(
        id=row.id,
        schema_id=row.schema_id,
        traits=row.traits,
        state=row.state,
        state_changed_at=row.state_changed_at,
        metadata_public=row.metadata_public,
        metadata_admin=row.metadata_admin,
        organization_id=row.organization_id,
        external_id=row.external_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        available_aal=row.available_aal,
    )


class IdentityStore:
    """``addresses`` False (no schema marks verification or recovery traits) skips two queries
    per identity load: addresses are only ever derived from those marks."""

    def __init__(
        self, db: Database, nid: uuid.UUID, *, addresses: bool = True, code_mfa: bool = False
    ) -> None:
        self.db = db
        self.nid = nid
        self.addresses = addresses
        self.code_mfa = code_mfa
        """``methods.code.mfa_enabled``: a code address counts towards ``available_aal``."""

    # --- writes (run inside a caller's transaction) --------------------------------------

    async def insert(self, conn: AsyncConnection, ident: Identity) -> None:
        await conn.execute(
            identities.insert().values(
                id=ident.id,
                nid=self.nid,
                created_at=ident.created_at,
                **_mutable(ident, self.code_mfa),
            )
        )
        await self._insert_children(conn, ident)

    async def _insert_children(self, conn: AsyncConnection, ident: Identity) -> None:
        for cred in ident.credentials.values():
            type_id = CREDENTIAL_TYPES[cred.type]
            await conn.execute(
                credentials.insert().values(
                    id=cred.id,
                    nid=self.nid,
                    identity_id=ident.id,
                    identity_credential_type_id=type_id,
                    config=cred.config,
                    version=cred.version,
                    created_at=cred.created_at,
                    updated_at=cred.updated_at,
                )
            )
            if cred.identifiers:
                await conn.execute(
                    identifiers.insert(),
                    [
                        {
                            "id": uuid.uuid4(),
                            "nid": self.nid,
                            "identifier": value,
                            "identity_credential_id": cred.id,
                            "identity_credential_type_id": type_id,
                            "created_at": cred.created_at,
                            "updated_at": cred.updated_at,
                        }
                        for value in cred.identifiers
                    ],
                )
        for table, addrs in (
            (verifiable_addresses, ident.verifiable_addresses),
            (recovery_addresses, ident.recovery_addresses),
        ):
            for a in addrs:
                values: dict[str, Any] = {
                    "id": a.id,
                    "nid": self.nid,
                    "identity_id": ident.id,
                    "via": a.via,
                    "value": a.value,
                    "created_at": a.created_at,
                    "updated_at": a.updated_at,
                }
                if table is verifiable_addresses:
                    values.update(status=a.status, verified=a.verified, verified_at=a.verified_at)
                await conn.execute(table.insert().values(**values))

    async def replace(self, conn: AsyncConnection, ident: Identity) -> None:
        """Overwrite an identity and all of its credentials and addresses."""
        result = await conn.execute(
            update(identities)
            .where(identities.c.id == ident.id, identities.c.nid == self.nid)
            .values(**_mutable(ident, self.code_mfa))
        )
        if result.rowcount == 0:
            raise NotFound("Unable to locate the resource")
        for table in (credentials, verifiable_addresses, recovery_addresses):
            await conn.execute(
                delete(table).where(table.c.identity_id == ident.id, table.c.nid == self.nid)
            )
        await self._insert_children(conn, ident)

    async def delete(self, conn: AsyncConnection, identity_id: uuid.UUID) -> bool:
        result = await conn.execute(
            delete(identities).where(identities.c.id == identity_id, identities.c.nid == self.nid)
        )
        return bool(result.rowcount)

    async def create(self, ident: Identity) -> None:
        """Insert ``ident`` in its own transaction (Conflict on a duplicate identifier)."""

        async def run(conn: AsyncConnection) -> None:
            await self.insert(conn, ident)

        await self.db.transaction(run)

    async def save(self, ident: Identity) -> None:
        """Overwrite ``ident`` in its own transaction (NotFound when it is gone)."""

        async def run(conn: AsyncConnection) -> None:
            await self.replace(conn, ident)

        await self.db.transaction(run)

    async def remove(self, identity_id: uuid.UUID) -> bool:
        """Delete one identity (its rows cascade); whether it existed."""

        async def run(conn: AsyncConnection) -> bool:
            return await self.delete(conn, identity_id)

        return await self.db.transaction(run)

    # --- reads -------------------------------------------------------------------------

    async def load(
        self, conn: AsyncConnection, ids: Sequence[uuid.UUID], *, with_credentials: bool = True
    ) -> dict[uuid.UUID, Identity]:
        if not ids:
            return {}
        rows = await conn.execute(
            select(identities).where(identities.c.nid == self.nid, identities.c.id.in_(ids))
        )
        found = {r.id: _identity(r) for r in rows}
        if not found:
            return found
        keys = list(found)
        if with_credentials:
            await self._attach_credentials(conn, found, keys)
        await self.attach_addresses(conn, found)
        return found

    async def attach_addresses(
        self, conn: AsyncConnection, found: dict[uuid.UUID, Identity]
    ) -> None:
        if not self.addresses or not found:
            return
        keys = list(found)
        for table, attr in (
            (verifiable_addresses, "verifiable_addresses"),
            (recovery_addresses, "recovery_addresses"),
        ):
            addr_rows = await conn.execute(
                select(table)
                .where(table.c.nid == self.nid, table.c.identity_id.in_(keys))
                .order_by(table.c.created_at, table.c.id)
            )
            for r in addr_rows:
                addr = Address(
                    via=r.via,
                    value=r.value,
                    id=r.id,
                    created_at=r.created_at,
                    updated_at=r.updated_at,
                )
                if table is verifiable_addresses:
                    addr.verified, addr.status, addr.verified_at = (
                        r.verified,
                        r.status,
                        r.verified_at,
                    )
                getattr(found[r.identity_id], attr).append(addr)

    async def _attach_credentials(
        self, conn: AsyncConnection, found: dict[uuid.UUID, Identity], keys: list[uuid.UUID]
    ) -> None:
        cred_rows = await conn.execute(
            select(credentials).where(
                credentials.c.nid == self.nid, credentials.c.identity_id.in_(keys)
            )
        )
        by_id: dict[uuid.UUID, Credential] = {}
        for r in cred_rows:
            name = TYPE_NAMES.get(r.identity_credential_type_id)
            if name is None:
                continue
            cred = Credential(
                type=name,
                identifiers=[],
                config=r.config if isinstance(r.config, dict) else {},
                id=r.id,
                version=r.version,
                created_at=r.created_at,
                updated_at=r.updated_at,
            )
            by_id[r.id] = cred
            found[r.identity_id].credentials[name] = cred
        if by_id:
            ident_rows = await conn.execute(
                select(identifiers.c.identity_credential_id, identifiers.c.identifier)
                .where(
                    identifiers.c.nid == self.nid,
                    identifiers.c.identity_credential_id.in_(list(by_id)),
                )
                .order_by(identifiers.c.identifier)
            )
            for cred_id, value in ident_rows:
                by_id[cred_id].identifiers.append(value)

    async def get(
        self, identity_id: uuid.UUID, *, with_credentials: bool = True
    ) -> Identity | None:
        async def run(conn: AsyncConnection) -> Identity | None:
            found = await self.load(conn, [identity_id], with_credentials=with_credentials)
            return found.get(identity_id)

        return await self.db.read(run)

    async def by_external_id(self, external_id: str) -> Identity | None:
        async def run(conn: AsyncConnection) -> Identity | None:
            row = (
                await conn.execute(
                    select(identities.c.id).where(
                        identities.c.nid == self.nid, identities.c.external_id == external_id
                    )
                )
            ).first()
            if row is None:
                return None
            return (await self.load(conn, [row[0]])).get(row[0])

        return await self.db.read(run)

    async def by_identifier(self, kind: str, identifier: str) -> Identity | None:
        """The identity owning ``identifier`` for credential type ``kind``.

        One join fetches the identity and that credential (the login hot path);
        the credential's ``identifiers`` holds just the matched identifier.
        """

        async def run(conn: AsyncConnection) -> Identity | None:
            row = (
                await conn.execute(
                    select(
                        identities,
                        credentials.c.id.label("cred_id"),
                        credentials.c.config.label("cred_config"),
                        credentials.c.version.label("cred_version"),
                        credentials.c.created_at.label("cred_created_at"),
                        credentials.c.updated_at.label("cred_updated_at"),
                    )
                    .select_from(
                        identifiers.join(
                            credentials, identifiers.c.identity_credential_id == credentials.c.id
                        ).join(identities, identities.c.id == credentials.c.identity_id)
                    )
                    .where(
                        identifiers.c.nid == self.nid,
                        identifiers.c.identity_credential_type_id == CREDENTIAL_TYPES[kind],
                        identifiers.c.identifier == identifier,
                    )
                )
            ).first()
            if row is None:
                return None
            ident = _identity(row)
            ident.credentials[kind] = Credential(
                type=kind,
                identifiers=[identifier],
                config=row.cred_config if isinstance(row.cred_config, dict) else {},
                id=row.cred_id,
                version=row.cred_version,
                created_at=row.cred_created_at,
                updated_at=row.cred_updated_at,
            )
            await self.attach_addresses(conn, {ident.id: ident})
            return ident

        return await self.db.read(run)

    async def list(
        self,
        *,
        after: uuid.UUID | None,
        limit: int,
        identifier: str | None = None,
        similar: str | None = None,
        ids: Sequence[uuid.UUID] | None = None,
        organization: uuid.UUID | None = None,
    ) -> list[Identity]:
        """A keyset page ordered by id; ``limit`` rows at most.

        ``identifier`` matches a credential identifier exactly, ``similar`` as a
        prefix (Kratos's ``LIKE 'x%'``), ``organization`` the organization id.
        """

        async def run(conn: AsyncConnection) -> list[Identity]:
            query = select(identities.c.id).where(identities.c.nid == self.nid)
            if after is not None:
                query = query.where(identities.c.id > after)
            if ids is not None:
                query = query.where(identities.c.id.in_(list(ids)))
            if organization is not None:
                query = query.where(identities.c.organization_id == organization)
            if identifier is not None or similar is not None:
                match = (
                    identifiers.c.identifier == identifier
                    if identifier is not None
                    else identifiers.c.identifier.startswith(similar, autoescape=True)
                )
                owners = (
                    select(credentials.c.identity_id)
                    .join(identifiers, identifiers.c.identity_credential_id == credentials.c.id)
                    .where(identifiers.c.nid == self.nid, match)
                )
                query = query.where(identities.c.id.in_(owners))
            page = [r[0] for r in await conn.execute(query.order_by(identities.c.id).limit(limit))]
            found = await self.load(conn, page)
            return [found[i] for i in page if i in found]

        return await self.db.read(run)

    async def update_password_hash(self, credential_id: uuid.UUID, config: dict[str, Any]) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(
                update(credentials)
                .where(credentials.c.id == credential_id, credentials.c.nid == self.nid)
                .values(config=config, updated_at=now())
            )

        await self.db.transaction(run, idempotent=True)


def _mutable(ident: Identity, code_mfa: bool) -> dict[str, Any]:
    """The identity row's columns that an update may change (insert and replace share them)."""
    return {
        "schema_id": ident.schema_id,
        "traits": ident.traits,
        "state": ident.state,
        "state_changed_at": ident.state_changed_at,
        "metadata_public": ident.metadata_public,
        "metadata_admin": ident.metadata_admin,
        "organization_id": ident.organization_id,
        "external_id": ident.external_id,
        "available_aal": available_aal(ident.credentials, code_mfa),
        "updated_at": ident.updated_at,
    }
