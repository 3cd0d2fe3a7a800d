"""Keto's relation tuples (UUID form) with its four partial lookup indexes."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, String, Uuid

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

TABLE = "keto_relation_tuples"
SET_NULL = (
    "subject_set_namespace IS NULL AND subject_set_object IS NULL AND subject_set_relation IS NULL"
)
SUBJECT_TYPE = (
    "(subject_id IS NULL AND subject_set_namespace IS NOT NULL AND subject_set_object IS NOT "
    f"NULL AND subject_set_relation IS NOT NULL) OR (subject_id IS NOT NULL AND {SET_NULL})"
)
SET = ["subject_set_namespace", "subject_set_object", "subject_set_relation"]
INDEXES = [
    (
        "keto_relation_tuples_uuid_subject_ids_idx",
        ["nid", "namespace", "object", "relation", "subject_id"],
        SET_NULL,
    ),
    (
        "keto_relation_tuples_uuid_subject_sets_idx",
        ["nid", "namespace", "object", "relation", *SET],
        "subject_id IS NULL",
    ),
    (
        "keto_relation_tuples_uuid_reverse_subject_ids_idx",
        ["nid", "subject_id", "relation", "namespace"],
        SET_NULL,
    ),
    (
        "keto_relation_tuples_uuid_reverse_subject_sets_idx",
        ["nid", *SET, "relation", "namespace"],
        "subject_id IS NULL",
    ),
]


def up(s: Schema) -> None:
    s.create_table(
        TABLE,
        Column("shard_id", Uuid, primary_key=True),
        Column(
            "nid",
            Uuid,
            ForeignKey("networks.id", ondelete="CASCADE", name="keto_relation_tuples_nid_fk"),
            primary_key=True,
        ),
        Column("namespace", String(200), nullable=False),
        Column("object", Uuid, nullable=False),
        Column("relation", String(64), nullable=False),
        Column("subject_id", Uuid, nullable=True),
        Column("subject_set_namespace", String(200), nullable=True),
        Column("subject_set_object", Uuid, nullable=True),
        Column("subject_set_relation", String(64), nullable=True),
        Column("commit_time", DateTime, nullable=False),
        CheckConstraint(SUBJECT_TYPE, name="chk_keto_rt_uuid_subject_type"),
    )
    for name, columns, where in INDEXES:
        s.create_index(name, TABLE, columns, where=where)


def down(s: Schema) -> None:
    s.drop_table(TABLE)


STEP = Migration("20261128000003", "keto_relation_tuples", up, down)
