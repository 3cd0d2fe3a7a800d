"""Kratos's settings flows and self-service errors (decision 0022).

``selfservice_settings_flows`` as Kratos's, plus Roost's ``csrf_token`` (a
browser settings flow is checked against the CSRF cookie like the others).
``selfservice_errors`` keeps errors a browser was redirected to the error UI
with, read back by ``GET /self-service/errors?id=``.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, String, Text, Uuid, text

from roost.identity.migrations._types import JSON_DOC, nid, stamps
from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

SETTINGS = "selfservice_settings_flows"
ERRORS = "selfservice_errors"


def up(s: Schema) -> None:
    s.create_table(
        SETTINGS,
        Column("id", Uuid, primary_key=True),
        Column("request_url", Text, nullable=False),
        Column("issued_at", DateTime, nullable=False),
        Column("expires_at", DateTime, nullable=False),
        Column(
            "identity_id", Uuid, ForeignKey("identities.id", ondelete="CASCADE"), nullable=False
        ),
        *stamps(),
        Column("active_method", String(32), nullable=True),
        Column("ui", JSON_DOC, nullable=True),
        Column("state", String(255), nullable=True),
        Column("type", String(16), nullable=False, server_default="browser"),
        nid(),
        Column("internal_context", JSON_DOC, nullable=False),
        Column("csrf_token", String(255), nullable=False, server_default=""),
    )
    s.create_index(f"{SETTINGS}_nid_expires_at_idx", SETTINGS, ["nid", "expires_at"])
    s.create_index(f"{SETTINGS}_identity_id_nid_idx", SETTINGS, ["identity_id", "nid"])
    s.create_table(
        ERRORS,
        Column("id", Uuid, primary_key=True),
        Column("errors", JSON_DOC, nullable=False),
        Column("seen_at", DateTime, nullable=True),
        Column("was_seen", Boolean, nullable=False, server_default=text("false")),
        *stamps(),
        Column("csrf_token", String(255), nullable=False, server_default=""),
        nid(),
    )
    s.create_index(f"{ERRORS}_nid_created_at_idx", ERRORS, ["nid", "created_at"])


def down(s: Schema) -> None:
    s.drop_table(ERRORS)
    s.drop_table(SETTINGS)


STEP = Migration("20261206200001", "settings_flows_and_errors", up, down)
