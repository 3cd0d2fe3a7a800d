"""Kratos's sessions and the devices they were used from."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, String, Uuid, text

from roost.identity.migrations._types import JSON_DOC, nid, stamps
from roost.storage.ddl import Schema
from roost.storage.migrate import Migration


def _sessions(s: Schema) -> None:
    s.create_table(
        "sessions",
        Column("id", Uuid, primary_key=True),
        Column("issued_at", DateTime, nullable=False),
        Column("expires_at", DateTime, nullable=False),
        Column("authenticated_at", DateTime, nullable=False),
        Column(
            "identity_id", Uuid, ForeignKey("identities.id", ondelete="CASCADE"), nullable=False
        ),
        *stamps(),
        Column("token", String(39), nullable=True, unique=True),
        Column("logout_token", String(39), nullable=True, unique=True),
        Column("active", Boolean, nullable=False, server_default=text("true")),
        nid(),
        Column("aal", String(4), nullable=False, server_default="aal1"),
        Column("authentication_methods", JSON_DOC, nullable=False),
    )
    s.create_index("sessions_nid_created_at_id_idx", "sessions", ["nid", "created_at DESC", "id"])
    s.create_index(
        "sessions_nid_expires_at_active_idx",
        "sessions",
        ["nid", "expires_at", "active", "created_at DESC", "id"],
    )
    s.create_index(
        "sessions_identity_id_nid_sorted_idx",
        "sessions",
        ["identity_id", "nid", "created_at DESC"],
    )


def up(s: Schema) -> None:
    _sessions(s)
    s.create_table(
        "session_devices",
        Column("id", Uuid, primary_key=True),
        Column("ip_address", String(50), nullable=True),
        Column("user_agent", String(512), nullable=True),
        Column("location", String(512), nullable=True),
        nid(),
        Column("session_id", Uuid, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        *stamps(),
    )
    s.create_index("session_devices_session_id_idx", "session_devices", ["session_id"])


def down(s: Schema) -> None:
    s.drop_table("session_devices")
    s.drop_table("sessions")


STEP = Migration("20261128100006", "sessions", up, down)
