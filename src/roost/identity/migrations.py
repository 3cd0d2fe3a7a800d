"""The identity service's schema history (see roost.storage.migrate).

Credential types are seed rows with Kratos's fixed UUIDs, so credentials
written by Kratos and by Roost point at the same type rows.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from roost.identity.sql.tables import (
    CREDENTIAL_TYPES,
    credential_types,
    credentials,
    identifiers,
    identities,
    login_failures,
    login_flows,
    networks,
    recovery_addresses,
    registration_flows,
    session_devices,
    sessions,
    verifiable_addresses,
)
from roost.storage.migrate import Migration, create_tables
from roost.storage.sql import insert_ignoring_conflicts


async def _seed_credential_types(conn: AsyncConnection, dialect: str) -> None:
    stmt = insert_ignoring_conflicts(credential_types, dialect)
    await conn.execute(stmt, [{"id": v, "name": k} for k, v in CREDENTIAL_TYPES.items()])


MIGRATIONS = [
    Migration("20261128100001", "networks", create_tables(networks)),
    Migration("20261128100002", "identity_credential_types", create_tables(credential_types)),
    Migration("20261128100003", "identity_credential_types_seed", _seed_credential_types),
    Migration(
        "20261128100004",
        "identities",
        create_tables(identities, credentials, identifiers),
    ),
    Migration(
        "20261128100005",
        "identity_addresses",
        create_tables(verifiable_addresses, recovery_addresses),
    ),
    Migration("20261128100006", "sessions", create_tables(sessions, session_devices)),
    Migration(
        "20261128100007", "selfservice_flows", create_tables(login_flows, registration_flows)
    ),
    Migration("20261129100001", "roost_login_failures", create_tables(login_failures)),
]
