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

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.permissions.check.engine import ObjectRef, SubjectRef
from roost.permissions.lookup.engine import Edge
from roost.permissions.sql.tables import relation_tuples as rt
from roost.permissions.sql.tables import uuid_mappings
from roost.storage.database import Database
from roost.storage.sql import chunks, padded

CHUNK = 500
_PG_COLUMNS = (
    "namespace, object, relation, subject_id,"
    " subject_set_namespace, subject_set_object, subject_set_relation"
)
_PG_BY_ID = (
    f"SELECT {_PG_COLUMNS} FROM keto_relation_tuples"  # noqa: S608 - fixed identifiers
    " WHERE nid = $1 AND subject_id = $2"
)
_PG_NAMES = "SELECT id, string_representation FROM keto_uuid_mappings WHERE id = ANY($1::uuid[])"
_PG_BY_SETS = (
    f"SELECT {_PG_COLUMNS} FROM keto_relation_tuples"  # noqa: S608 - fixed identifiers
    " WHERE nid = $1 AND subject_id IS NULL AND subject_set_namespace = $2"
    " AND subject_set_object = ANY($3::uuid[])"
)
_COLUMNS = (
    rt.c.namespace,
    rt.c.object,
    rt.c.relation,
    rt.c.subject_id,
    rt.c.subject_set_namespace,
    rt.c.subject_set_object,
    rt.c.subject_set_relation,
)


def _edge(r: Any) -> Edge:
    target: SubjectRef
    target = r[3] if r[3] is not None else (r[4], r[5], r[6])
    return (r[0], r[1], r[2]), target


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
        self, subject_id: uuid.UUID | None, objects: Sequence[ObjectRef]
    ) -> list[Edge]:
        if self.db.dialect != "sqlite":
            return await self._pointing_at_raw(subject_id, objects)
        statements = []
        if subject_id is not None:
            statements.append(
                select(*_COLUMNS).where(rt.c.nid == self.nid, rt.c.subject_id == subject_id)
            )
        for ns, objs in _by_namespace(objects).items():
            for chunk in chunks(sorted(objs), CHUNK):
                statements.append(
                    select(*_COLUMNS).where(
                        rt.c.nid == self.nid,
                        rt.c.subject_id.is_(None),
                        rt.c.subject_set_namespace == ns,
                        rt.c.subject_set_object.in_(padded(chunk)),
                    )
                )
        return await self._edges(statements)

    async def _pointing_at_raw(
        self, subject_id: uuid.UUID | None, objects: Sequence[ObjectRef]
    ) -> list[Edge]:
        edges: list[Edge] = []
        async with self.db.raw_reader() as run:
            if subject_id is not None:
                edges.extend(_edge(r) for r in await run(_PG_BY_ID, [self.nid, subject_id]))
            for ns, objs in _by_namespace(objects).items():
                rows = await run(_PG_BY_SETS, [self.nid, ns, objs])
                edges.extend(_edge(r) for r in rows)
        return edges

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
