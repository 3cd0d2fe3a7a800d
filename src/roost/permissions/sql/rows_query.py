"""The statement that fills the check cache: every row of some keys, capped.

Unlike ``check_query`` it does not filter by subject, so what it returns can
serve every later check. Two levels per execution, as there:

1. up to ``cap + 1`` rows of each requested key (``namespace``, ``object``,
   ``relation``); a key with more is too big to cache and is checked per
   subject instead;
2. up to ``cap + 1`` rows of each object the level-1 subject sets point to (at
   most ``LOOKAHEAD`` objects), whatever the relation, because the engine
   needs some relation of exactly those objects next; marker rows name the
   objects looked at, so an object read in full answers its absent keys too.

PostgreSQL and CockroachDB cap per key with ``LATERAL ... LIMIT`` over the
keys as ``unnest``-ed parallel arrays (one prepared statement for any batch);
SQLite numbers rows per key with a window function instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from roost.permissions.check.engine import Key, ObjectRef, SubjectRef
from roost.permissions.sql.keys import (
    SqliteShape,
    as_uuid,
    key_arrays,
    sqlite_key_filter,
    sqlite_key_params,
)

LOOKAHEAD = 128

_COLUMNS = (
    "subject_id, subject_set_namespace AS sn, subject_set_object AS so, subject_set_relation AS sr"
)


@cache
def _pg_sql(cap: int) -> str:
    # only integers and fixed fragments are interpolated
    return (
        "WITH l1 AS (SELECT k.namespace, k.object, k.relation, r.subject_id, r.sn, r.so, r.sr"  # noqa: S608
        " FROM unnest($2::text[], $3::uuid[], $4::text[]) AS k(namespace, object, relation)"
        f" CROSS JOIN LATERAL (SELECT {_COLUMNS} FROM keto_relation_tuples t"
        " WHERE t.nid = $1 AND t.namespace = k.namespace AND t.object = k.object"
        f" AND t.relation = k.relation LIMIT {cap + 1}) r),"
        " o AS (SELECT DISTINCT sn, so FROM l1 WHERE sn IS NOT NULL"
        f" ORDER BY sn, so LIMIT {LOOKAHEAD})"
        " SELECT 1 AS lvl, namespace, object, relation, subject_id, sn, so, sr FROM l1"
        " UNION ALL SELECT 2, o.sn, o.so, r.relation, r.subject_id, r.sn, r.so, r.sr FROM o"
        f" CROSS JOIN LATERAL (SELECT t.relation, {_COLUMNS} FROM keto_relation_tuples t"
        f" WHERE t.nid = $1 AND t.namespace = o.sn AND t.object = o.so LIMIT {cap + 1}) r"
        " UNION ALL SELECT 3, sn, so, NULL, NULL, NULL, NULL, NULL FROM o"
    )


@cache
def _sqlite_sql(cap: int, shape: SqliteShape) -> str:
    keep = cap + 1
    return (
        "WITH l1 AS (SELECT t.namespace, t.object, t.relation, t.subject_id,"  # noqa: S608
        " t.subject_set_namespace AS sn, t.subject_set_object AS so,"
        " t.subject_set_relation AS sr, row_number() OVER"
        " (PARTITION BY t.namespace, t.object, t.relation) AS n"
        f" FROM keto_relation_tuples t WHERE {sqlite_key_filter(shape)}),"
        f" o AS (SELECT DISTINCT sn, so FROM l1 WHERE sn IS NOT NULL AND n <= {keep}"
        f" ORDER BY sn, so LIMIT {LOOKAHEAD}),"
        " l2 AS (SELECT o.sn AS namespace, o.so AS object, t.relation, t.subject_id,"
        " t.subject_set_namespace AS sn, t.subject_set_object AS so,"
        " t.subject_set_relation AS sr, row_number() OVER (PARTITION BY o.sn, o.so) AS n"
        " FROM o JOIN keto_relation_tuples t"
        " ON t.nid = :nid AND t.namespace = o.sn AND t.object = o.so)"
        " SELECT 1, namespace, object, relation, subject_id, sn, so, sr FROM l1"
        f" WHERE n <= {keep}"
        " UNION ALL SELECT 2, namespace, object, relation, subject_id, sn, so, sr FROM l2"
        f" WHERE n <= {keep}"
        " UNION ALL SELECT 3, sn, so, NULL, NULL, NULL, NULL, NULL FROM o"
    )


def build(
    dialect: str, nid: uuid.UUID, keys: Sequence[Key], cap: int
) -> tuple[str, Sequence[Any] | dict[str, Any]]:
    """SQL text and parameters reading ``keys`` (and one level beyond) in full."""
    if dialect != "sqlite":
        return _pg_sql(cap), [nid, *key_arrays(keys)]
    shape, params = sqlite_key_params(nid, keys)
    return _sqlite_sql(cap, shape), params


@dataclass(frozen=True, slots=True)
class Entry:
    """Everything stored under one key: the subjects it holds directly, and its subject sets."""

    subjects: frozenset[SubjectRef]
    sets: tuple[Key, ...]


EMPTY = Entry(frozenset(), ())
TOO_BIG = Entry(frozenset(), ())
"""Marks a key with more rows than the cap (compared by identity): checked per subject."""


@dataclass
class Rows:
    """What one execution returned, folded: entries per key and objects read in full."""

    keys: dict[Key, Entry] = field(default_factory=dict)
    objects: dict[ObjectRef, dict[str, Entry]] = field(default_factory=dict)
    size: int = 0
    """Rows kept (the cache's budget counts these)."""

    def entry(self, key: Key) -> Entry | None:
        relations = self.objects.get((key[0], key[1]))
        if relations is not None:
            return relations.get(key[2], EMPTY)
        return self.keys.get(key)


def collect(keys: Sequence[Key], rows: Sequence[Sequence[Any]], cap: int) -> Rows:
    """Fold result rows into entries; keys and objects over ``cap`` rows are not kept."""
    per_key: dict[Key, list[Sequence[Any]]] = {k: [] for k in keys}
    per_object: dict[ObjectRef, dict[str, list[Sequence[Any]]]] = {}
    counts: dict[ObjectRef, int] = {}
    for r in rows:
        level = r[0]
        if level == 1:
            found = per_key.get((r[1], as_uuid(r[2]), r[3]))
            if found is not None:  # SQLite's IN-lists also match a few unrequested keys
                found.append(r)
        elif level == 2:
            obj = (r[1], as_uuid(r[2]))
            per_object.setdefault(obj, {}).setdefault(r[3], []).append(r)
            counts[obj] = counts.get(obj, 0) + 1
        else:
            per_object.setdefault((r[1], as_uuid(r[2])), {})
    out = Rows()
    for key, found in per_key.items():
        out.keys[key] = TOO_BIG if len(found) > cap else _entry(found)
        out.size += 1 + min(len(found), cap)
    for obj, relations in per_object.items():
        if counts.get(obj, 0) <= cap:
            out.objects[obj] = {rel: _entry(found) for rel, found in relations.items()}
            out.size += 1 + counts.get(obj, 0)
    return out


def _entry(rows: list[Sequence[Any]]) -> Entry:
    if not rows:
        return EMPTY
    subjects: set[SubjectRef] = set()
    sets: list[Key] = []
    for r in rows:
        if r[4] is not None:
            subjects.add(as_uuid(r[4]))
        else:
            s = (r[5], as_uuid(r[6]), r[7])
            subjects.add(s)
            sets.append(s)
    return Entry(frozenset(subjects), tuple(sets))
