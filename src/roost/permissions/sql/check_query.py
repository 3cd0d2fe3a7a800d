"""The check engine's one statement, as plain SQL per dialect.

This is the hot path of the permission service (one execution per level of
every check), so it skips SQL construction and compilation entirely: the text
below is sent to the driver as is and its prepared statement is reused.
PostgreSQL and CockroachDB take the keys as arrays joined through ``unnest``,
so one prepared statement serves every batch size; SQLite gets IN-lists padded to a
power of two (three IN-lists, whose few cross-product rows are dropped
when collected). Each subject-set row carries an EXISTS telling whether that set
directly holds the subject, Keto's traversal query folded into the same trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

from roost.permissions.check.engine import Key, KeyData, SubjectRef
from roost.storage.sql import padded

_COLUMNS = """t.namespace, t.object, t.relation, {direct} AS direct,
 t.subject_set_namespace, t.subject_set_object, t.subject_set_relation,
 EXISTS (SELECT 1 FROM keto_relation_tuples i WHERE i.nid = t.nid
   AND i.namespace = t.subject_set_namespace AND i.object = t.subject_set_object
   AND i.relation = t.subject_set_relation AND {inner}) AS contains"""

_SET_MATCH = (
    "{p}.subject_set_namespace = {a} AND {p}.subject_set_object = {b}"
    " AND {p}.subject_set_relation = {c}"
)
# The keys arrive as three parallel arrays joined through unnest(): the
# generic plan PostgreSQL caches for the prepared statement is then an index
# nested loop, whatever the batch size (with "= ANY" it degrades to a scan).
_PG_FROM = (
    " FROM unnest($2::text[], $3::uuid[], $4::text[]) AS k(namespace, object, relation)"
    " JOIN keto_relation_tuples t ON t.nid = $1 AND t.namespace = k.namespace"
    " AND t.object = k.object AND t.relation = k.relation"
)
_PG_ID = (
    "SELECT "
    + _COLUMNS.format(direct="t.subject_id = $5", inner="i.subject_id = $5")
    + _PG_FROM
    + " WHERE t.subject_id = $5 OR t.subject_id IS NULL"
)
_PG_SET = (
    "SELECT "
    + _COLUMNS.format(
        direct="(" + _SET_MATCH.format(p="t", a="$5", b="$6", c="$7") + ")",
        inner=_SET_MATCH.format(p="i", a="$5", b="$6", c="$7"),
    )
    + _PG_FROM
    + " WHERE t.subject_id IS NULL"
)


@cache
def _sqlite_sql(n_ns: int, n_obj: int, n_rel: int, subject_set: bool) -> str:
    def marks(n: int) -> str:
        return ", ".join("?" * n)

    if subject_set:
        direct = "(" + _SET_MATCH.format(p="t", a="?", b="?", c="?") + ")"
        inner = _SET_MATCH.format(p="i", a="?", b="?", c="?")
        rows = "t.subject_id IS NULL"
    else:
        direct, inner, rows = (
            "t.subject_id = ?",
            "i.subject_id = ?",
            "(t.subject_id = ? OR t.subject_id IS NULL)",
        )
    # only placeholders and fixed fragments are interpolated below
    return (
        "SELECT "  # noqa: S608
        + _COLUMNS.format(direct=direct, inner=inner)
        + " FROM keto_relation_tuples t"
        + f" WHERE t.nid = ? AND t.namespace IN ({marks(n_ns)}) AND t.object IN ({marks(n_obj)})"
        f" AND t.relation IN ({marks(n_rel)}) AND {rows}"
    )


def build(
    dialect: str, nid: uuid.UUID, keys: Sequence[Key], subject: SubjectRef
) -> tuple[str, list[Any]]:
    """SQL text and positional parameters for ``keys`` and ``subject``."""
    if dialect != "sqlite":
        arrays = [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]]
        if isinstance(subject, tuple):
            return _PG_SET, [nid, *arrays, *subject]
        return _PG_ID, [nid, *arrays, subject]
    namespaces = sorted({k[0] for k in keys})
    objects = sorted({k[1] for k in keys})
    relations = sorted({k[2] for k in keys})
    ns, objs, rels = padded(namespaces), [o.hex for o in padded(objects)], padded(relations)
    is_set = isinstance(subject, tuple)
    sql = _sqlite_sql(len(ns), len(objs), len(rels), is_set)
    if isinstance(subject, tuple):
        s = [subject[0], subject[1].hex, subject[2]]
        return sql, [*s, *s, nid.hex, *ns, *objs, *rels]
    sid = subject.hex
    return sql, [sid, sid, nid.hex, *ns, *objs, *rels, sid]


def collect(keys: Sequence[Key], rows: Sequence[Sequence[Any]]) -> dict[Key, KeyData]:
    """Fold result rows into per-key data (rows of the cross product are dropped)."""
    out: dict[Key, KeyData] = {k: KeyData() for k in keys}
    for r in rows:
        obj = _uuid(r[1])
        data = out.get((r[0], obj, r[2]))
        if data is None:
            continue
        if r[3]:
            data.direct = True
        if r[4] is not None:
            data.sets.append(((r[4], _uuid(r[5]), r[6]), bool(r[7])))
    return out


def _uuid(value: Any) -> uuid.UUID:
    """SQLite stores UUIDs as 32 hex characters; asyncpg returns UUID objects."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(hex=value)
