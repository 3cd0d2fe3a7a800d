"""Roost's own: failed client authentications per client id, keyed by an HMAC of it."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Uuid

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration


def up(s: Schema) -> None:
    s.create_table(
        "roost_client_auth_failures",
        Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True),
        Column("identifier_key", String(64), primary_key=True),
        Column("failures", Integer, nullable=False),
        Column("first_failed_at", DateTime, nullable=False),
    )
    s.create_index(
        "roost_client_auth_failures_first_failed_at_idx",
        "roost_client_auth_failures",
        ["nid", "first_failed_at"],
    )


def down(s: Schema) -> None:
    s.drop_table("roost_client_auth_failures")


STEP = Migration("20261206100009", "roost_client_auth_failures", up, down)
