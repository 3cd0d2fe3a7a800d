"""A full (not partial) tuple index: lookups that mix subject ids and subject sets
(the check engine's batched query and its correlated EXISTS)."""

from __future__ import annotations

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

NAME = "keto_relation_tuples_uuid_full_idx"
COLUMNS = [
    "nid",
    "namespace",
    "object",
    "relation",
    "subject_id",
    "subject_set_namespace",
    "subject_set_object",
    "subject_set_relation",
    "commit_time",
]


def up(s: Schema) -> None:
    s.create_index(NAME, "keto_relation_tuples", COLUMNS)


def down(s: Schema) -> None:
    s.drop_index("keto_relation_tuples", NAME)


STEP = Migration("20261128000004", "keto_relation_tuples_uuid_full_idx", up, down)
