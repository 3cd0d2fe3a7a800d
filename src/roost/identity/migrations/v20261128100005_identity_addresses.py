"""Kratos's verifiable and recovery addresses of identities."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, String, UniqueConstraint, Uuid

from roost.identity.migrations._types import nid, stamps
from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

TABLES = ("identity_verifiable_addresses", "identity_recovery_addresses")


def _address(s: Schema, name: str, verifiable: bool) -> None:
    extra: list[Column[Any]] = []
    if verifiable:
        extra = [
            Column("status", String(16), nullable=False),
            Column("verified", Boolean, nullable=False),
            Column("verified_at", DateTime, nullable=True),
        ]
    s.create_table(
        name,
        Column("id", Uuid, primary_key=True),
        Column("via", String(16), nullable=False),
        Column("value", String(400), nullable=False),
        *extra,
        Column(
            "identity_id", Uuid, ForeignKey("identities.id", ondelete="CASCADE"), nullable=False
        ),
        *stamps(),
        nid(),
        UniqueConstraint("nid", "via", "value", name=f"{name}_status_via_uq_idx"),
    )
    s.create_index(f"{name}_identity_id_idx", name, ["identity_id"])


def up(s: Schema) -> None:
    _address(s, TABLES[0], verifiable=True)
    _address(s, TABLES[1], verifiable=False)


def down(s: Schema) -> None:
    for name in TABLES:
        s.drop_table(name)


STEP = Migration("20261128100005", "identity_addresses", up, down)
