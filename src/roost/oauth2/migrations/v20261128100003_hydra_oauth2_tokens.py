"""Hydra's access and refresh token tables, plus Roost's ``expires_at`` index for the janitor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    Uuid,
)

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

TABLES = ("hydra_oauth2_access", "hydra_oauth2_refresh")


def _columns() -> list[Column[Any]]:
    return [
        Column("signature", String(255), primary_key=True),
        Column("request_id", String(40), nullable=False),
        Column("requested_at", DateTime, nullable=False),
        Column("client_id", String(255), nullable=False),
        Column("scope", Text, nullable=False),
        Column("granted_scope", Text, nullable=False),
        Column("form_data", Text, nullable=False),
        Column("session_data", Text, nullable=False),
        Column("subject", String(255), nullable=False, server_default=""),
        Column("active", Boolean, nullable=False),
        Column("requested_audience", Text, nullable=True, server_default=""),
        Column("granted_audience", Text, nullable=True, server_default=""),
        Column("challenge_id", String(40), nullable=True),
        Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), nullable=False),
        Column("expires_at", DateTime, nullable=True),
    ]


def _refresh_columns() -> list[Column[Any]]:
    return [
        Column("first_used_at", DateTime, nullable=True),
        Column("access_token_signature", String(255), nullable=True),
        Column("used_times", Integer, nullable=True),
    ]


def up(s: Schema) -> None:
    for name in TABLES:
        extra = _refresh_columns() if name == "hydra_oauth2_refresh" else []
        s.create_table(
            name,
            *_columns(),
            *extra,
            ForeignKeyConstraint(
                ["client_id", "nid"],
                ["hydra_client.id", "hydra_client.nid"],
                ondelete="CASCADE",
                name=f"{name}_client_id_fk",
            ),
        )
        s.create_index(f"{name}_requested_at_idx", name, ["requested_at", "nid"])
        s.create_index(f"{name}_client_id_idx", name, ["client_id", "nid"])
        s.create_index(f"{name}_request_id_idx", name, ["request_id", "nid"])
        s.create_index(f"{name}_challenge_id_idx", name, ["challenge_id"])
        s.create_index(f"{name}_expires_at_idx", name, ["nid", "expires_at"])


def down(s: Schema) -> None:
    for name in reversed(TABLES):
        s.drop_table(name)


STEP = Migration("20261128100003", "hydra_oauth2_tokens", up, down)
