"""Roost's own: the objects each write touched, by the shard and version it raised."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, SmallInteger, String, Uuid

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration


def up(s: Schema) -> None:
    s.create_table(
        "roost_check_log",
        Column("id", Uuid, primary_key=True),
        Column(
            "nid",
            Uuid,
            ForeignKey("networks.id", ondelete="CASCADE", name="roost_check_log_nid_fk"),
            nullable=False,
        ),
        Column("shard", SmallInteger, nullable=False),
        Column("version", BigInteger, nullable=False),
        Column("namespace", String(200), nullable=True),
        Column("object", Uuid, nullable=True),
    )
    s.create_index("roost_check_log_version_idx", "roost_check_log", ["nid", "shard", "version"])


def down(s: Schema) -> None:
    s.drop_table("roost_check_log")


STEP = Migration("20261129000004", "roost_check_log", up, down)
