"""The check engine's one statement, as plain SQL per dialect.

This is the hot path of the permission service (one execution per round of
every check), so it skips SQL construction and compilation entirely: the text
below is sent to the driver as is and its prepared statement is reused.

Each execution answers two levels of the search at once:

1. the rows of the requested keys (``namespace``, ``object``, ``relation``)
   that hold the subject directly or hold a subject set;
2. *every* such row of the objects those subject sets point to (up to
   ``LOOKAHEAD`` objects), whatever the relation. The engine will need some
   relations of exactly those objects next (the stored relation, a permit's
   rewrites, a traversal), so it gets them in the same trip; marker rows tell
   which objects were read in full, so that absent keys of theirs are known empty.

Every subject-set row also carries an EXISTS telling whether that set directly
holds the subject (Keto's traversal query). PostgreSQL and CockroachDB take the
keys as parallel arrays joined through ``unnest``, so one prepared statement
with an index nested-loop generic plan serves every batch size; SQLite gets
named parameters and IN-lists padded to a power of two.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

from roost.permissions.check.engine import Fetched, Key, KeyData, SubjectRef
from roost.permissions.sql.keys import (
    SqliteShape,
    as_uuid,
    key_arrays,
    sqlite_key_filter,
    sqlite_key_params,
)
from roost.storage.sqlite_uuid import as_text

LOOKAHEAD = 128

_ROW = """{t}.namespace, {t}.object, {t}.relation, {direct} AS direct,
 {t}.subject_set_namespace AS sn, {t}.subject_set_object AS so, {t}.subject_set_relation AS sr,
 EXISTS (SELECT 1 FROM keto_relation_tuples i WHERE i.nid = {t}.nid
   AND i.namespace = {t}.subject_set_namespace AND i.object = {t}.subject_set_object
   AND i.relation = {t}.subject_set_relation AND {inner}) AS contains"""


def _statement(keys_from: str, keys_where: str, nid: str, subject: tuple[str, ...]) -> str:
    """The two-level statement; ``subject`` is one placeholder (an id) or three (a set)."""

    def matches(alias: str) -> str:
        if len(subject) == 1:
            return f"{alias}.subject_id = {subject[0]}"
        a, b, c = subject
        return (
            f"{alias}.subject_set_namespace = {a} AND {alias}.subject_set_object = {b}"
            f" AND {alias}.subject_set_relation = {c}"
        )

    def rows(alias: str) -> str:
        if len(subject) == 1:
            return f"({alias}.subject_id = {subject[0]} OR {alias}.subject_id IS NULL)"
        return f"{alias}.subject_id IS NULL"

    def row(alias: str) -> str:
        return _ROW.format(t=alias, direct=f"({matches(alias)})", inner=matches("i"))

    # only placeholders and fixed fragments are interpolated
    return (
        f"WITH l1 AS (SELECT {row('t')} {keys_from} WHERE {keys_where}{rows('t')}),"  # noqa: S608
        " o AS (SELECT DISTINCT sn AS namespace, so AS object FROM l1"
        f" WHERE sn IS NOT NULL LIMIT {LOOKAHEAD})"
        " SELECT 1 AS lvl, namespace, object, relation, direct, sn, so, sr, contains FROM l1"
        f" UNION ALL SELECT 2, {row('t2')} FROM o JOIN keto_relation_tuples t2"
        f" ON t2.nid = {nid} AND t2.namespace = o.namespace AND t2.object = o.object"
        f" WHERE {rows('t2')}"
        " UNION ALL SELECT 3, namespace, object, NULL, NULL, NULL, NULL, NULL, NULL FROM o"
    )


# Parallel arrays joined through unnest(): PostgreSQL's cached generic plan is
# then an index nested loop whatever the batch size ("= ANY" degrades to a scan).
_PG_KEYS = (
    "FROM unnest($2::text[], $3::uuid[], $4::text[]) AS k(namespace, object, relation)"
    " JOIN keto_relation_tuples t ON t.nid = $1 AND t.namespace = k.namespace"
    " AND t.object = k.object AND t.relation = k.relation"
)
_PG_ID = _statement(_PG_KEYS, "", "$1", ("$5",))
_PG_SET = _statement(_PG_KEYS, "", "$1", ("$5", "$6", "$7"))


@cache
def _sqlite_sql(shape: SqliteShape, subject_set: bool) -> str:
    where = f"{sqlite_key_filter(shape)} AND "
    subject = (":sn", ":so", ":sr") if subject_set else (":sid",)
    return _statement("FROM keto_relation_tuples t", where, ":nid", subject)


def build(
    dialect: str, nid: uuid.UUID, keys: Sequence[Key], subject: SubjectRef
) -> tuple[str, Sequence[Any] | dict[str, Any]]:
    """SQL text and parameters for ``keys`` and ``subject``."""
    if dialect != "sqlite":
        arrays = key_arrays(keys)
        if isinstance(subject, tuple):
            return _PG_SET, [nid, *arrays, *subject]
        return _PG_ID, [nid, *arrays, subject]
    shape, params = sqlite_key_params(nid, keys)
    if isinstance(subject, tuple):
        params.update(sn=subject[0], so=as_text(subject[1]), sr=subject[2])
    else:
        params["sid"] = as_text(subject)
    return _sqlite_sql(shape, isinstance(subject, tuple)), params


def collect(keys: Sequence[Key], rows: Sequence[Sequence[Any]]) -> Fetched:
    """Fold result rows into per-key data and the set of objects read in full."""
    data: dict[Key, KeyData] = {k: KeyData() for k in keys}
    requested = set(data)
    complete: set[tuple[str, uuid.UUID]] = set()
    lookahead: list[Sequence[Any]] = []
    for r in rows:
        level = r[0]
        if level == 3:
            complete.add((r[1], as_uuid(r[2])))
        elif level == 2:
            lookahead.append(r)
        else:
            entry = data.get((r[1], as_uuid(r[2]), r[3]))
            if entry is not None:  # SQLite's IN-lists also match a few unrequested keys
                _add(entry, r)
    for r in lookahead:  # rows of requested keys came in level 1 already
        key = (r[1], as_uuid(r[2]), r[3])
        if key not in requested:
            _add(data.setdefault(key, KeyData()), r)
    return data, complete


def _add(entry: KeyData, r: Sequence[Any]) -> None:
    if r[4]:
        entry.direct = True
    if r[5] is not None:
        entry.sets.append(((r[5], as_uuid(r[6]), r[7]), bool(r[8])))
