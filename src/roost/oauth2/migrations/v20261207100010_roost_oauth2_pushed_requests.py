"""Roost's own: pushed authorization requests (RFC 9126), kept until used or expired."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, String, Uuid

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration


def up(s: Schema) -> None:
    s.create_table(
        "roost_oauth2_pushed_requests",
        Column("signature", String(64), primary_key=True),
        Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), nullable=False),
        Column("client_id", String(255), nullable=False),
        Column("parameters", JSON, nullable=False),
        Column("expires_at", DateTime, nullable=False),
    )
    s.create_index(
        "roost_oauth2_pushed_requests_expires_at_idx",
        "roost_oauth2_pushed_requests",
        ["nid", "expires_at"],
    )


def down(s: Schema) -> None:
    s.drop_table("roost_oauth2_pushed_requests")


STEP = Migration("20261207100010", "roost_oauth2_pushed_requests", up, down)
