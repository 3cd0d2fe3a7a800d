"""The statements of reverse lookups and the change feed's reads (roost.permissions.lookup).

Reverse walks probe Keto's reverse indexes (subject id → tuples, subject set →
tuples); object lists go in chunks so SQLite's parameter limit is never hit.
On PostgreSQL and CockroachDB a level of the walk is one hand-written statement
per namespace on the raw driver, the objects bound as one ``uuid[]``: a level
reaches thousands of objects (every document under the folders a user sees),
and compiling chunked IN-lists and processing rows through SQLAlchemy cost
more than the index scans themselves (decision 0016).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.permissions.check.engine import ObjectRef, SubjectRef
from roost.permissions.lookup.engine import Edge, LeafQuery
from roost.permissions.sql.keys import as_uuid
from roost.permissions.sql.tables import relation_tuples as rt
from roost.permissions.sql.tables import uuid_mappings
from roost.storage.database import Database
from roost.storage.sql import chunks, padded
from roost.storage.sqlite_uuid import as_text

CHUNK = 500
_PG_COLUMNS = (
    "namespace, object, relation, subject_id,"
    " subject_set_namespace, subject_set_object, subject_set_relation"
)
# the partial reverse index's own predicate, so the planner may use it
_SET_NULL = (
    "subject_set_namespace IS NULL AND subject_set_object IS NULL AND subject_set_relation IS NULL"
)
_PG_BY_ID = (
    f"SELECT {_PG_COLUMNS} FROM keto_relation_tuples"  # noqa: S608 - fixed identifiers
    " WHERE nid = $1 AND subject_id = $2 AND " + _SET_NULL
)
_PG_NAMES = "SELECT id, string_representation FROM keto_uuid_mappings WHERE id = ANY($1::uuid[])"
_PG_BY_SETS = (
    f"SELECT {_PG_COLUMNS} FROM keto_relation_tuples"  # noqa: S608 - fixed identifiers
    " WHERE nid = $1 AND subject_id IS NULL AND subject_set_namespace = $2"
    " AND subject_set_object = ANY($3::uuid[])"
)
_PG_ONLY = " AND namespace = ANY(${}::text[])"
"""Appended to either: a namespace list is an index condition (a ``<>`` would be
checked on every table row, thousands of documents per level)."""
# ORDER BY the index's next column: with LIMIT 1 alone, the generic plan of a
# prepared statement (plan_cache_mode) expects a hit early in a table scan
_PG_POINTS_INTO = (
    "SELECT 1 FROM keto_relation_tuples"
    " WHERE nid = $1 AND subject_id IS NULL AND subject_set_namespace = $2"
    " ORDER BY subject_set_object LIMIT 1"
)
# A leaf query's first page: three index joins (Keto's reverse indexes) merged by
# UNION, then the page in UUID order. Parallel arrays through
# unnest keep it one prepared statement whatever the number of subject sets.
# Every column it reads is in those indexes (object appended, decision 0037), so
# on a vacuumed table it is three index-only scans.
PG_LEAVES = """
SELECT t.object FROM keto_relation_tuples t
 WHERE t.nid = $1 AND t.subject_id = $3 AND t.relation = ANY($4::text[])
   AND t.namespace = $2 AND t.subject_set_namespace IS NULL
   AND t.subject_set_object IS NULL AND t.subject_set_relation IS NULL
UNION
SELECT t.object FROM unnest($5::text[], $6::text[], $7::uuid[], $8::text[])
       AS k(relation, namespace, object, set_relation)
  JOIN keto_relation_tuples t ON t.nid = $1 AND t.subject_id IS NULL
   AND t.subject_set_namespace = k.namespace AND t.subject_set_object = k.object
   AND t.subject_set_relation = k.set_relation AND t.relation = k.relation
 WHERE t.namespace = $2
UNION
SELECT t.object FROM unnest($9::text[], $10::text[], $11::uuid[])
       AS v(relation, namespace, object)
  JOIN keto_relation_tuples t ON t.nid = $1 AND t.subject_id IS NULL
   AND t.subject_set_namespace = v.namespace AND t.subject_set_object = v.object
   AND t.relation = v.relation
 WHERE t.namespace = $2
ORDER BY 1 LIMIT $12
"""
NIL = uuid.UUID(int=0)
"""No subject id (ids are UUIDv5, never nil): the direct branch of a subject set's query."""
SQLITE_TERMS = 2000
"""Subject-set terms per SQLite statement (4 parameters each; SQLite allows 32,766)."""
_COLUMNS = (
    rt.c.namespace,
    rt.c.object,
    rt.c.relation,
    rt.c.subject_id,
    rt.c.subject_set_namespace,
    rt.c.subject_set_object,
    rt.c.subject_set_relation,
)


def pg_leaf_params(nid: uuid.UUID, query: LeafQuery, limit: int) -> list[Any]:
    """The parameters of :data:`PG_LEAVES` for one page of ``query``."""
    exact, via = query.exact, query.via
    return [
        nid,
        query.namespace,
        query.subject if isinstance(query.subject, uuid.UUID) else NIL,
        list(query.direct),
        *([t[i] for t in exact] for i in range(4)),
        *([t[i] for t in via] for i in range(3)),
        limit,
    ]


def _edge(r: Any) -> Edge:
    target: SubjectRef
    target = r[3] if r[3] is not None else (r[4], r[5], r[6])
    return (r[0], r[1], r[2]), target


_SQLITE_BY_ID = "keto_relation_tuples_uuid_reverse_subject_ids_object_idx"
_SQLITE_BY_SET = "keto_relation_tuples_uuid_reverse_subject_sets_object_idx"


class _Numbered:
    """SQLite's numbered placeholders (``?1``…), so a value used twice is bound once."""

    def __init__(self) -> None:
        self.params: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.params.append(as_text(value) if isinstance(value, uuid.UUID) else value)
        return f"?{len(self.params)}"


def sqlite_leaves(
    nid: uuid.UUID, query: LeafQuery, limit: int, terms: list[Any], first: bool
) -> tuple[str, list[Any]]:
    """One SQLite statement of a leaf query's page over some of its subject-set terms
    (the direct relations with the first), and its parameters.

    The shape of PostgreSQL's: each branch names its reverse index's predicate,
    and the terms are ``VALUES`` rows each probing that index. Left to itself,
    SQLite's planner scanned the namespace's tuples through the full index (an
    ``OR`` of the terms), or built an automatic index over the whole table for a
    few hundred terms (seconds); ``CROSS JOIN`` and ``INDEXED BY`` pin the plan.
    """
    p = _Numbered()
    ids, ns = p(nid), p(query.namespace)
    ctes, branches = [], []
    if first and query.direct and isinstance(query.subject, uuid.UUID):
        rels = ", ".join(p(r) for r in query.direct)
        branches.append(
            f"SELECT object FROM keto_relation_tuples INDEXED BY {_SQLITE_BY_ID}"  # noqa: S608
            f" WHERE nid = {ids} AND subject_id = {p(query.subject)} AND relation IN ({rels})"
            f" AND namespace = {ns} AND {_SET_NULL}"
        )
    for kind, columns, set_relation in (
        ("exact", "relation, ns, obj, rel", " AND t.subject_set_relation = k.rel"),
        ("via", "relation, ns, obj", ""),
    ):
        rows = [t for k, t in terms if k == kind]
        if not rows:
            continue
        values = ", ".join("(" + ", ".join(p(v) for v in t) + ")" for t in rows)
        ctes.append(f"{kind}({columns}) AS (VALUES {values})")
        branches.append(
            f"SELECT t.object FROM {kind} AS k CROSS JOIN keto_relation_tuples AS t"  # noqa: S608
            f" INDEXED BY {_SQLITE_BY_SET}"
            f" WHERE t.nid = {ids} AND t.subject_id IS NULL AND t.subject_set_namespace = k.ns"
            f" AND t.subject_set_object = k.obj{set_relation} AND t.relation = k.relation"
            f" AND t.namespace = {ns}"
        )
    if not branches:
        return "", []
    with_ = f"WITH {', '.join(ctes)} " if ctes else ""
    return f"{with_}{' UNION '.join(branches)} ORDER BY 1 LIMIT {p(limit)}", p.params


def _by_namespace(objects: Sequence[ObjectRef]) -> dict[str, list[uuid.UUID]]:
    grouped: dict[str, list[uuid.UUID]] = defaultdict(list)
    for ns, obj in objects:
        grouped[ns].append(obj)
    return grouped


class LookupSql:
    """The lookup engine's store (roost.permissions.lookup.engine.LookupStore)."""

    def __init__(self, db: Database, nid: uuid.UUID) -> None:
        self.db = db
        self.nid = nid

    async def pointing_at(
        self,
        subject_id: uuid.UUID | None,
        objects: Sequence[ObjectRef],
        only: Sequence[str] | None = None,
    ) -> list[Edge]:
        if self.db.dialect != "sqlite":
            return await self._pointing_at_raw(subject_id, objects, only)
        statements = []
        kept = rt.c.namespace.in_(list(only)) if only is not None else true()
        if subject_id is not None:
            statements.append(
                select(*_COLUMNS).where(rt.c.nid == self.nid, rt.c.subject_id == subject_id, kept)
            )
        for ns, objs in _by_namespace(objects).items():
            for chunk in chunks(sorted(objs), CHUNK):
                statements.append(
                    select(*_COLUMNS).where(
                        rt.c.nid == self.nid,
                        rt.c.subject_id.is_(None),
                        rt.c.subject_set_namespace == ns,
                        rt.c.subject_set_object.in_(padded(chunk)),
                        kept,
                    )
                )
        return await self._edges(statements)

    async def _pointing_at_raw(
        self, subject_id: uuid.UUID | None, objects: Sequence[ObjectRef], only: Sequence[str] | None
    ) -> list[Edge]:
        edges: list[Edge] = []
        by_id, by_sets, extra = _PG_BY_ID, _PG_BY_SETS, []
        if only is not None:
            by_id, by_sets = by_id + _PG_ONLY.format(3), by_sets + _PG_ONLY.format(4)
            extra = [list(only)]
        async with self.db.raw_reader() as run:
            if subject_id is not None:
                rows = await run(by_id, [self.nid, subject_id, *extra])
                edges.extend(_edge(r) for r in rows)
            for ns, objs in _by_namespace(objects).items():
                rows = await run(by_sets, [self.nid, ns, objs, *extra])
                edges.extend(_edge(r) for r in rows)
        return edges

    async def points_into(self, namespace: str) -> bool:
        if self.db.dialect != "sqlite":
            async with self.db.raw_reader() as fetch:
                return bool(await fetch(_PG_POINTS_INTO, [self.nid, namespace]))
        stmt = (
            select(rt.c.nid)
            .where(
                rt.c.nid == self.nid,
                rt.c.subject_id.is_(None),
                rt.c.subject_set_namespace == namespace,
            )
            .order_by(rt.c.subject_set_object)
            .limit(1)
        )

        async def run(conn: AsyncConnection) -> bool:
            return (await conn.execute(stmt)).first() is not None

        return await self.db.read(run)

    async def leaves(self, query: LeafQuery, limit: int) -> list[uuid.UUID]:
        if self.db.dialect != "sqlite":
            return await self._leaves_raw(query, limit)
        # SQLite: the terms in chunks, each statement its own first ``limit``; the
        # page is the first ``limit`` of their union (each holds its own smallest)
        terms: list[Any] = [("exact", t) for t in query.exact] + [("via", t) for t in query.via]
        statements = [
            sqlite_leaves(self.nid, query, limit, chunk, first=i == 0)
            for i, chunk in enumerate(chunks(terms, SQLITE_TERMS) if terms else [[]])
        ]
        found: set[uuid.UUID] = set()
        async with self.db.raw_reader() as run:
            for sql, params in statements:
                if sql:
                    found.update(as_uuid(r[0]) for r in await run(sql, params))
        return sorted(found, key=lambda u: u.int)[:limit]

    async def _leaves_raw(self, query: LeafQuery, limit: int) -> list[uuid.UUID]:
        async with self.db.raw_reader() as run:
            return [r[0] for r in await run(PG_LEAVES, pg_leaf_params(self.nid, query, limit))]

    async def held_by(self, objects: Sequence[ObjectRef]) -> list[Edge]:
        statements = [
            select(*_COLUMNS).where(
                rt.c.nid == self.nid, rt.c.namespace == ns, rt.c.object.in_(padded(chunk))
            )
            for ns, objs in _by_namespace(objects).items()
            for chunk in chunks(sorted(objs), CHUNK)
        ]
        return await self._edges(statements)

    async def _edges(self, statements: list[Any]) -> list[Edge]:
        if not statements:
            return []

        async def run(conn: AsyncConnection) -> list[Edge]:
            edges: list[Edge] = []
            for stmt in statements:
                edges.extend(_edge(r) for r in await conn.execute(stmt))
            return edges

        return await self.db.read(run)

    async def objects_in(self, namespace: str) -> list[uuid.UUID]:
        stmt = (
            select(rt.c.object).where(rt.c.nid == self.nid, rt.c.namespace == namespace).distinct()
        )

        async def run(conn: AsyncConnection) -> list[uuid.UUID]:
            return [r[0] for r in await conn.execute(stmt)]

        return await self.db.read(run)

    async def subject_ids(self) -> list[uuid.UUID]:
        stmt = (
            select(rt.c.subject_id)
            .where(rt.c.nid == self.nid, rt.c.subject_id.is_not(None))
            .distinct()
        )

        async def run(conn: AsyncConnection) -> list[uuid.UUID]:
            return [r[0] for r in await conn.execute(stmt)]

        return await self.db.read(run)

    async def names(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Strings of ``ids`` (as Keto maps them back); unknown ids are left out."""
        if self.db.dialect != "sqlite":  # a page of 500 ids: one array, no IN-list
            async with self.db.raw_reader() as fetch:
                return {r[0]: r[1] for r in await fetch(_PG_NAMES, [list(ids)])}

        async def run(conn: AsyncConnection) -> dict[uuid.UUID, str]:
            names: dict[uuid.UUID, str] = {}
            for chunk in chunks(sorted(ids), CHUNK):
                stmt = select(uuid_mappings.c.id, uuid_mappings.c.string_representation).where(
                    uuid_mappings.c.id.in_(padded(chunk))
                )
                names.update({r[0]: r[1] for r in await conn.execute(stmt)})
            return names

        return await self.db.read(run)
