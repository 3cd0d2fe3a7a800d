"""Keto's two reverse tuple indexes with ``object`` appended, so a lookup's page
statement (``roost.permissions.sql.lookup``) is answered from the index alone
(decision 0037).

The new indexes have the old ones' columns as their prefix and the same
predicates, so every statement the old ones served is served as well; the old
ones are dropped, which keeps one index per written tuple as before. The new
index is built before the old one goes, so readers never lack one. The same DDL
serves every dialect: SQLite covers a statement with any index holding all the
columns it reads; on CockroachDB a secondary index stores its key columns (and
the primary key), so a key column needs no ``STORING`` clause.
"""

from __future__ import annotations

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

TABLE = "keto_relation_tuples"
SET_NULL = (
    "subject_set_namespace IS NULL AND subject_set_object IS NULL AND subject_set_relation IS NULL"
)
SET = ["subject_set_namespace", "subject_set_object", "subject_set_relation"]
OLD = [
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
NEW = [
    (
        "keto_relation_tuples_uuid_reverse_subject_ids_object_idx",
        ["nid", "subject_id", "relation", "namespace", "object"],
        SET_NULL,
    ),
    (
        "keto_relation_tuples_uuid_reverse_subject_sets_object_idx",
        ["nid", *SET, "relation", "namespace", "object"],
        "subject_id IS NULL",
    ),
]


def _swap(s: Schema, build: list[tuple[str, list[str], str]], drop: list[str]) -> None:
    for name, columns, where in build:
        s.create_index(name, TABLE, columns, where=where)
    for name in drop:
        s.drop_index(TABLE, name)


def up(s: Schema) -> None:
    _swap(s, NEW, [name for name, _, _ in OLD])


def down(s: Schema) -> None:
    _swap(s, OLD, [name for name, _, _ in NEW])


STEP = Migration("20261207000001", "reverse_indexes_with_object", up, down)
