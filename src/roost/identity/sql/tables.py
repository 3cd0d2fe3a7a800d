"""Kratos's tables, named and shaped as in Kratos v25.4.0 (reference §6).

Names and columns match so that Kratos's own read-back queries (the seed
tutorial joins ``identities``, ``identity_credentials`` and
``identity_credential_types``) run unchanged. JSON columns are ``jsonb`` on
PostgreSQL/CockroachDB and JSON text on SQLite. Every row carries ``nid``;
uniqueness of identifiers is per network, enforced by the database.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()
Json = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

CREDENTIAL_TYPES = {
    "password": uuid.UUID("78c1b41d-8341-4507-aa60-aff1d4369670"),
    "oidc": uuid.UUID("6fa5e2e0-bfce-4631-b62b-cf2b0252b289"),
    "totp": uuid.UUID("5e29b036-aa47-457f-9fe6-aa8b854a752b"),
    "lookup_secret": uuid.UUID("567a0730-7f48-4dd7-a13d-df87a51c245f"),
    "webauthn": uuid.UUID("6b213fa0-e6ad-46cb-8878-b088d2ce2e3c"),
    "code": uuid.UUID("14f3b7e2-8725-4068-be39-8a796485fd97"),
    "passkey": uuid.UUID("8d0ca544-9bf6-45d3-bd75-0bbb3aeba3c7"),
    "saml": uuid.UUID("7bddcf6c-f50e-4a18-9b0f-429114c33419"),
}
TYPE_NAMES = {v: k for k, v in CREDENTIAL_TYPES.items()}


def _nid() -> Column[Any]:
    return Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), nullable=False)


def _stamps() -> list[Column[Any]]:
    return [
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
    ]


networks = Table(
    "networks",
    metadata,
    Column("id", Uuid, primary_key=True),
    *_stamps(),
)

credential_types = Table(
    "identity_credential_types",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(32), nullable=False, unique=True),
)

identities = Table(
    "identities",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("schema_id", String(2048), nullable=False),
    Column("traits", Json, nullable=False),
    *_stamps(),
    _nid(),
    Column("state", String(255), nullable=False, server_default="active"),
    Column("state_changed_at", DateTime, nullable=True),
    Column("metadata_public", Json, nullable=True),
    Column("metadata_admin", Json, nullable=True),
    Column("available_aal", String(4), nullable=True),
    Column("organization_id", Uuid, nullable=True),
    Column("external_id", String(64), nullable=True),
)
Index("identities_nid_id_idx", identities.c.nid, identities.c.id)
Index(
    "identities_nid_external_id_uq_idx",
    identities.c.nid,
    identities.c.external_id,
    unique=True,
    postgresql_where=text("external_id IS NOT NULL"),
    sqlite_where=text("external_id IS NOT NULL"),
)

credentials = Table(
    "identity_credentials",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("config", Json, nullable=False),
    Column(
        "identity_credential_type_id",
        Uuid,
        ForeignKey("identity_credential_types.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("identity_id", Uuid, ForeignKey("identities.id", ondelete="CASCADE"), nullable=False),
    *_stamps(),
    _nid(),
    Column("version", Integer, nullable=False, server_default="0"),
)
Index("identity_credentials_identity_id_idx", credentials.c.identity_id)
Index("identity_credentials_nid_idx", credentials.c.nid)

identifiers = Table(
    "identity_credential_identifiers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("identifier", String(255), nullable=False),
    Column(
        "identity_credential_id",
        Uuid,
        ForeignKey("identity_credentials.id", ondelete="CASCADE"),
        nullable=False,
    ),
    *_stamps(),
    _nid(),
    Column(
        "identity_credential_type_id",
        Uuid,
        ForeignKey("identity_credential_types.id", ondelete="CASCADE"),
        nullable=False,
    ),
    UniqueConstraint(
        "nid",
        "identity_credential_type_id",
        "identifier",
        name="identity_credential_identifiers_identifier_nid_type_uq_idx",
    ),
)
Index(
    "identity_credential_identifiers_nid_identity_credential_id_idx",
    identifiers.c.identity_credential_id,
    identifiers.c.nid,
    identifiers.c.identifier,
)


def _address(name: str, verifiable: bool) -> Table:
    extra: list[Column[Any]] = []
    if verifiable:
        extra = [
            Column("status", String(16), nullable=False),
            Column("verified", Boolean, nullable=False),
            Column("verified_at", DateTime, nullable=True),
        ]
    table = Table(
        name,
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("via", String(16), nullable=False),
        Column("value", String(400), nullable=False),
        *extra,
        Column(
            "identity_id", Uuid, ForeignKey("identities.id", ondelete="CASCADE"), nullable=False
        ),
        *_stamps(),
        _nid(),
        UniqueConstraint("nid", "via", "value", name=f"{name}_status_via_uq_idx"),
    )
    Index(f"{name}_identity_id_idx", table.c.identity_id)
    return table


verifiable_addresses = _address("identity_verifiable_addresses", True)
recovery_addresses = _address("identity_recovery_addresses", False)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("issued_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("authenticated_at", DateTime, nullable=False),
    Column("identity_id", Uuid, ForeignKey("identities.id", ondelete="CASCADE"), nullable=False),
    *_stamps(),
    Column("token", String(39), nullable=True, unique=True),
    Column("logout_token", String(39), nullable=True, unique=True),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    _nid(),
    Column("aal", String(4), nullable=False, server_default="aal1"),
    Column("authentication_methods", Json, nullable=False),
)
Index("sessions_nid_created_at_id_idx", sessions.c.nid, sessions.c.created_at.desc(), sessions.c.id)
Index(
    "sessions_nid_expires_at_active_idx",
    sessions.c.nid,
    sessions.c.expires_at,
    sessions.c.active,
    sessions.c.created_at.desc(),
    sessions.c.id,
)
Index(
    "sessions_identity_id_nid_sorted_idx",
    sessions.c.identity_id,
    sessions.c.nid,
    sessions.c.created_at.desc(),
)

session_devices = Table(
    "session_devices",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("ip_address", String(50), nullable=True),
    Column("user_agent", String(512), nullable=True),
    Column("location", String(512), nullable=True),
    _nid(),
    Column("session_id", Uuid, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    *_stamps(),
)
Index("session_devices_session_id_idx", session_devices.c.session_id)


def _flow_table(name: str, login: bool) -> Table:
    extra: list[Column[Any]] = []
    if login:
        extra = [
            Column("forced", Boolean, nullable=False, server_default=text("false")),
            Column("requested_aal", String(4), nullable=False, server_default="aal1"),
        ]
    table = Table(
        name,
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("request_url", Text, nullable=False),
        Column("issued_at", DateTime, nullable=False),
        Column("expires_at", DateTime, nullable=False),
        Column("active_method", String(32), nullable=True),
        Column("csrf_token", String(255), nullable=False, server_default=""),
        *_stamps(),
        Column("type", String(16), nullable=False, server_default="browser"),
        Column("ui", Json, nullable=True),
        _nid(),
        *extra,
        Column("internal_context", Json, nullable=False),
        Column("state", String(255), nullable=True),
        Column("submit_count", Integer, nullable=False, server_default="0"),
        Column("organization_id", Uuid, nullable=True),
        Column("identity_schema_id", String(128), nullable=True),
    )
    Index(f"{name}_nid_expires_at_idx", table.c.nid, table.c.expires_at)
    return table


login_flows = _flow_table("selfservice_login_flows", login=True)
registration_flows = _flow_table("selfservice_registration_flows", login=False)

settings_flows = Table(
    "selfservice_settings_flows",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("request_url", Text, nullable=False),
    Column("issued_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("identity_id", Uuid, ForeignKey("identities.id", ondelete="CASCADE"), nullable=False),
    *_stamps(),
    Column("active_method", String(32), nullable=True),
    Column("ui", Json, nullable=True),
    Column("state", String(255), nullable=True),
    Column("type", String(16), nullable=False, server_default="browser"),
    _nid(),
    Column("internal_context", Json, nullable=False),
    Column("csrf_token", String(255), nullable=False, server_default=""),
)
"""Kratos's settings flows; ``csrf_token`` is Roost's (decision 0022)."""
Index(
    "selfservice_settings_flows_nid_expires_at_idx",
    settings_flows.c.nid,
    settings_flows.c.expires_at,
)
Index(
    "selfservice_settings_flows_identity_id_nid_idx",
    settings_flows.c.identity_id,
    settings_flows.c.nid,
)

selfservice_errors = Table(
    "selfservice_errors",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("errors", Json, nullable=False),
    Column("seen_at", DateTime, nullable=True),
    Column("was_seen", Boolean, nullable=False, server_default=text("false")),
    *_stamps(),
    Column("csrf_token", String(255), nullable=False, server_default=""),
    _nid(),
)
Index(
    "selfservice_errors_nid_created_at_idx",
    selfservice_errors.c.nid,
    selfservice_errors.c.created_at,
)

FLOW_TABLES = {
    "login": login_flows,
    "registration": registration_flows,
    "settings": settings_flows,
}

login_failures = Table(
    "roost_login_failures",
    metadata,
    Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True),
    Column("identifier_key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_failed_at", DateTime, nullable=False),
    Index("roost_login_failures_first_failed_at_idx", "nid", "first_failed_at"),
)
"""Roost's own: failed logins per identifier (keyed by an HMAC of it, never the
identifier itself), shared by every worker and replica (roost.identity.credentials.throttle)."""

courier_messages = Table(
    "courier_messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("type", Integer, nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("recipient", String(255), nullable=False),
    *_stamps(),
    Column("template_type", String(255), nullable=False, server_default=""),
    Column("template_data", Text, nullable=True),
    _nid(),
    Column("send_count", Integer, nullable=False, server_default="0"),
    Column("channel", String(32), nullable=True),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("claim_id", Uuid, nullable=True),
)
"""Kratos's courier queue. Roost's own columns: ``next_attempt_at`` (backoff, and the lease
of a claimed message) and ``claim_id``; ``subject``, ``body`` and ``template_data`` are
ciphertext (roost.identity.courier)."""
Index(
    "courier_messages_nid_status_created_at_idx",
    courier_messages.c.nid,
    courier_messages.c.status,
    courier_messages.c.created_at.desc(),
)
Index(
    "courier_messages_nid_recipient_created_at_idx",
    courier_messages.c.nid,
    courier_messages.c.recipient,
    courier_messages.c.created_at.desc(),
)
Index(
    "courier_messages_nid_created_at_id_idx",
    courier_messages.c.nid,
    courier_messages.c.created_at.desc(),
    courier_messages.c.id,
)
Index(
    "courier_messages_status_next_attempt_at_idx",
    courier_messages.c.status,
    courier_messages.c.next_attempt_at,
)

courier_dispatches = Table(
    "courier_message_dispatches",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "message_id", Uuid, ForeignKey("courier_messages.id", ondelete="CASCADE"), nullable=False
    ),
    Column("status", String(7), nullable=False),
    Column("error", Json, nullable=True),
    _nid(),
    *_stamps(),
)
Index(
    "courier_message_dispatches_message_id_idx",
    courier_dispatches.c.message_id,
    courier_dispatches.c.created_at,
)


# Recovery and verification (decision 0023): their own module, on this metadata; it adds
# its two flow tables to FLOW_TABLES.
from roost.identity.sql import code_tables as _code_tables  # noqa: E402, F401
