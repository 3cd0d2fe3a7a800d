"""Whoami's read: a session by its token, with its identity and devices, in hand-written SQL.

Every authenticated request of the public API starts here, so it skips
SQLAlchemy's statement machinery (see docs/decisions/0002 and
identity-0002): one statement joins the session, its identity and its
devices and goes through ``Database.raw_reader`` with the driver's
placeholders. The hot pool plans it once, generically, whatever the table
statistics say, so its WHERE names the token alone: with ``nid = $2`` beside
it, a freshly loaded table (no ANALYZE yet) got a generic plan that scanned
every session of the network through the ``(nid, created_at, id)`` index and
filtered on the token, twice PostgreSQL's CPU per request at 200 sessions and
linear in their number. Tokens are unique across networks, so the network is
checked on the one row found. The generic plan is then three index scans in
nested loops (the token's unique index, the identities' and the devices'
keys) from the first request on. The column lists come from :mod:`roost.identity.sql.tables`, so the
statement follows the schema; rows are normalized with
:mod:`roost.storage.raw` to what SQLAlchemy would have returned. When a
schema derives addresses from traits, the identity's verifiable and recovery
addresses are read on the same connection (two more indexed statements).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from roost.identity.identities.model import Address, Identity
from roost.identity.sessions.model import Device, Session
from roost.identity.sql.tables import (
    identities,
    recovery_addresses,
    session_devices,
    sessions,
    verifiable_addresses,
)
from roost.storage.database import Database, RawFetch
from roost.storage.raw import converters, normalized
from roost.storage.sqlite_uuid import as_text

# The columns read, in the order of Session's and Identity's fields of the same names.
_SESSION = (
    "id",
    "identity_id",
    "token",
    "logout_token",
    "active",
    "aal",
    "issued_at",
    "expires_at",
    "authenticated_at",
    "authentication_methods",
    "created_at",
    "updated_at",
)
_IDENTITY = (
    "id",
    "schema_id",
    "traits",
    "state",
    "state_changed_at",
    "metadata_public",
    "metadata_admin",
    "organization_id",
    "external_id",
    "created_at",
    "updated_at",
    "available_aal",
)
_DEVICE = ("id", "ip_address", "user_agent", "location", "created_at")
_ADDRESS_TABLES = (
    (verifiable_addresses, "verifiable_addresses"),
    (recovery_addresses, "recovery_addresses"),
)


def _marks(pg: bool, n: int) -> list[str]:
    return [f"${i + 1}" if pg else "?" for i in range(n)]


class SessionLookup:
    """The statements, built once per store, and the row-to-object mapping."""

    def __init__(self, db: Database, nid: uuid.UUID, *, addresses: bool) -> None:
        self.db = db
        self.pg = db.dialect != "sqlite"
        self.nid = nid
        self.addresses = addresses
        read = [
            (sessions, "s", ("nid", *_SESSION)),
            (identities, "i", _IDENTITY),
            (session_devices, "d", _DEVICE),
        ]
        self.convert = converters([t.c[n] for t, _, names in read for n in names], db.dialect)
        select_list = ", ".join(f"{alias}.{n}" for _, alias, names in read for n in names)
        first = _marks(self.pg, 1)[0]
        self.sql = (
            f"SELECT {select_list} FROM sessions s "  # noqa: S608 - fixed identifiers
            "JOIN identities i ON i.id = s.identity_id "
            "LEFT JOIN session_devices d ON d.session_id = s.id "
            f"WHERE s.token = {first}"
        )
        self.address_sql = [
            (
                f"SELECT {', '.join(c.name for c in table.columns)} "  # noqa: S608 - fixed identifiers
                f"FROM {table.name} WHERE identity_id = {first} ORDER BY created_at, id",
                converters(table.columns, db.dialect),
                [c.name for c in table.columns],
                attr,
            )
            for table, attr in _ADDRESS_TABLES
        ]

    async def by_token(self, token: str) -> Session | None:
        async with self.db.raw_reader() as run:
            rows = [normalized(r, self.convert) for r in await run(self.sql, (token,))]
            if not rows or rows[0][0] != self.nid:  # tokens are unique across networks
                return None
            found = _session([r[1:] for r in rows])
            if self.addresses:
                assert found.identity is not None
                await self._attach_addresses(run, found.identity)
            return found

    async def _attach_addresses(self, run: RawFetch, ident: Identity) -> None:
        key = ident.id if self.pg else as_text(ident.id)
        for sql, convert, names, attr in self.address_sql:
            for raw in await run(sql, (key,)):
                a = dict(zip(names, normalized(raw, convert), strict=True))
                if a["nid"] != self.nid:
                    continue
                addr = Address(
                    via=a["via"],
                    value=a["value"],
                    id=a["id"],
                    created_at=a["created_at"],
                    updated_at=a["updated_at"],
                )
                if "verified" in a:
                    addr.verified, addr.status, addr.verified_at = (
                        a["verified"],
                        a["status"],
                        a["verified_at"],
                    )
                getattr(ident, attr).append(addr)


def _session(rows: list[Sequence[Any]]) -> Session:
    """The session of the joined rows (one per device, or one with NULL device columns)."""
    ns, ni = len(_SESSION), len(_IDENTITY)
    first = rows[0]
    found = Session(**dict(zip(_SESSION, first[:ns], strict=True)))
    found.authentication_methods = list(found.authentication_methods or [])
    found.identity = Identity(**dict(zip(_IDENTITY, first[ns : ns + ni], strict=True)))
    devices = sorted((r[ns + ni :] for r in rows if r[ns + ni] is not None), key=lambda d: d[4])
    found.devices = [Device(ip or "", ua or "", loc or "", did) for did, ip, ua, loc, _ in devices]
    return found
