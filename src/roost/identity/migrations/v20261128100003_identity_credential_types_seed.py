"""Seed rows with Kratos's fixed UUIDs, so credentials written by Kratos and by
Roost point at the same type rows."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import String, Uuid, column, delete, table
from sqlalchemy.dialects import postgresql, sqlite

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

TYPES = {
    "password": uuid.UUID("78c1b41d-8341-4507-aa60-aff1d4369670"),
    "oidc": uuid.UUID("6fa5e2e0-bfce-4631-b62b-cf2b0252b289"),
    "totp": uuid.UUID("5e29b036-aa47-457f-9fe6-aa8b854a752b"),
    "lookup_secret": uuid.UUID("567a0730-7f48-4dd7-a13d-df87a51c245f"),
    "webauthn": uuid.UUID("6b213fa0-e6ad-46cb-8878-b088d2ce2e3c"),
    "code": uuid.UUID("14f3b7e2-8725-4068-be39-8a796485fd97"),
    "passkey": uuid.UUID("8d0ca544-9bf6-45d3-bd75-0bbb3aeba3c7"),
    "saml": uuid.UUID("7bddcf6c-f50e-4a18-9b0f-429114c33419"),
}
_types = table("identity_credential_types", column("id", Uuid), column("name"))
# SQLite's ids as this step wrote them when it shipped: 32 hex digits. The engine now
# binds ``Uuid`` dashed there; the step keeps its own bytes and the uuids_as_text step
# (decision 0026) rewrites them with every other row.
_sqlite_types = table("identity_credential_types", column("id", String), column("name"))


def _ids(s: Schema) -> list[Any]:
    return [v.hex for v in TYPES.values()] if s.dialect == "sqlite" else list(TYPES.values())


def up(s: Schema) -> None:
    module = sqlite if s.dialect == "sqlite" else postgresql
    target = _sqlite_types if s.dialect == "sqlite" else _types
    stmt = module.insert(target).on_conflict_do_nothing()
    s.execute(stmt, [{"id": i, "name": k} for k, i in zip(TYPES, _ids(s), strict=True)])


def down(s: Schema) -> None:
    target = _sqlite_types if s.dialect == "sqlite" else _types
    s.execute(delete(target).where(target.c.id.in_(_ids(s))))


STEP = Migration("20261128100003", "identity_credential_types_seed", up, down)
