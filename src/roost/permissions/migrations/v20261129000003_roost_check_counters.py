"""Roost's own: per network, a few version counters (shards) the check cache reads."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, SmallInteger, Uuid

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration


def up(s: Schema) -> None:
    s.create_table(
        "roost_check_counters",
        Column(
            "nid",
            Uuid,
            ForeignKey("networks.id", ondelete="CASCADE", name="roost_check_counters_nid_fk"),
            primary_key=True,
        ),
        Column("shard", SmallInteger, primary_key=True, autoincrement=False),
        Column("version", BigInteger, nullable=False),
    )


def down(s: Schema) -> None:
    s.drop_table("roost_check_counters")


STEP = Migration("20261129000003", "roost_check_counters", up, down)
