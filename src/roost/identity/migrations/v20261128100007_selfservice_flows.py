"""Kratos's login and registration flows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Integer, String, Text, Uuid, text

from roost.identity.migrations._types import JSON_DOC, nid, stamps
from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

LOGIN = "selfservice_login_flows"
REGISTRATION = "selfservice_registration_flows"


def _flow(s: Schema, name: str, login: bool) -> None:
    extra: list[Column[Any]] = []
    if login:
        extra = [
            Column("forced", Boolean, nullable=False, server_default=text("false")),
            Column("requested_aal", String(4), nullable=False, server_default="aal1"),
        ]
    s.create_table(
        name,
        Column("id", Uuid, primary_key=True),
        Column("request_url", Text, nullable=False),
        Column("issued_at", DateTime, nullable=False),
        Column("expires_at", DateTime, nullable=False),
        Column("active_method", String(32), nullable=True),
        Column("csrf_token", String(255), nullable=False, server_default=""),
        *stamps(),
        Column("type", String(16), nullable=False, server_default="browser"),
        Column("ui", JSON_DOC, nullable=True),
        nid(),
        *extra,
        Column("internal_context", JSON_DOC, nullable=False),
        Column("state", String(255), nullable=True),
        Column("submit_count", Integer, nullable=False, server_default="0"),
        Column("organization_id", Uuid, nullable=True),
        Column("identity_schema_id", String(128), nullable=True),
    )
    s.create_index(f"{name}_nid_expires_at_idx", name, ["nid", "expires_at"])


def up(s: Schema) -> None:
    _flow(s, LOGIN, login=True)
    _flow(s, REGISTRATION, login=False)


def down(s: Schema) -> None:
    s.drop_table(REGISTRATION)
    s.drop_table(LOGIN)


STEP = Migration("20261128100007", "selfservice_flows", up, down)
