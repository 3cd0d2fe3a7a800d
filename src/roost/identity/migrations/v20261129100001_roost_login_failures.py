"""Roost's own: failed logins per identifier, keyed by an HMAC of it (never the identifier)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Uuid

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration


def up(s: Schema) -> None:
    s.create_table(
        "roost_login_failures",
        Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True),
        Column("identifier_key", String(64), primary_key=True),
        Column("failures", Integer, nullable=False),
        Column("first_failed_at", DateTime, nullable=False),
    )
    s.create_index(
        "roost_login_failures_first_failed_at_idx",
        "roost_login_failures",
        ["nid", "first_failed_at"],
    )


def down(s: Schema) -> None:
    s.drop_table("roost_login_failures")


STEP = Migration("20261129100001", "roost_login_failures", up, down)
