"""Roost's own: the change feed, every tuple a write inserted or deleted."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer, SmallInteger, String, Uuid

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration


def up(s: Schema) -> None:
    s.create_table(
        "roost_tuple_changes",
        Column("id", Uuid, primary_key=True),
        Column(
            "nid",
            Uuid,
            ForeignKey("networks.id", ondelete="CASCADE", name="roost_tuple_changes_nid_fk"),
            nullable=False,
        ),
        Column("shard", SmallInteger, nullable=False),
        Column("version", BigInteger, nullable=False),
        Column("seq", Integer, nullable=False),
        Column("action", String(6), nullable=False),
        Column("namespace", String(200), nullable=False),
        Column("object", Uuid, nullable=False),
        Column("relation", String(64), nullable=False),
        Column("subject_id", Uuid, nullable=True),
        Column("subject_set_namespace", String(200), nullable=True),
        Column("subject_set_object", Uuid, nullable=True),
        Column("subject_set_relation", String(64), nullable=True),
        Column("commit_time", DateTime, nullable=False),
    )
    s.create_index(
        "roost_tuple_changes_version_idx",
        "roost_tuple_changes",
        ["nid", "shard", "version", "seq"],
    )


def down(s: Schema) -> None:
    s.drop_table("roost_tuple_changes")


STEP = Migration("20261204000001", "roost_tuple_changes", up, down)
