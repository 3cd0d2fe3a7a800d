"""Relation tuple storage on SQLite, PostgreSQL and CockroachDB.

Implements the narrow interfaces the check engine, the expand engine and the
HTTP handlers declare. Strings become UUIDv5(network id, string) on the way in
(the same mapping Keto uses, so Keto's own read-back SQL works), and are mapped
back only where a response needs them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.permissions.check.engine import Key, KeyData, SubjectRef
from roost.permissions.relationtuples.model import (
    RelationQuery,
    RelationTuple,
    Subject,
    SubjectSet,
)
from roost.permissions.sql.tables import networks, uuid_mappings
from roost.permissions.sql.tables import relation_tuples as rt
from roost.storage.database import Database
from roost.storage.sql import chunks, insert_ignoring_conflicts, padded

INSERT_CHUNK = 500
DELETE_CHUNK = 100
MAP_CHUNK = 500


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


async def ensure_network(db: Database) -> uuid.UUID:
    """The network id: the oldest row of ``networks``, created on first start."""

    async def run(conn: AsyncConnection) -> uuid.UUID:
        row = (
            await conn.execute(select(networks.c.id).order_by(networks.c.created_at).limit(1))
        ).first()
        if row is not None:
            nid: uuid.UUID = row[0]
            return nid
        nid = uuid.uuid4()
        now = _now()
        await conn.execute(networks.insert().values(id=nid, created_at=now, updated_at=now))
        return nid

    return await db.transaction(run, idempotent=True)


class TupleStore:
    """All SQL of the permission service, scoped to one network."""

    def __init__(self, db: Database, nid: uuid.UUID) -> None:
        self.db = db
        self.nid = nid

    def id_of(self, value: str) -> uuid.UUID:
        return uuid.uuid5(self.nid, value)

    def subject_ref(self, subject: Subject) -> SubjectRef:
        if isinstance(subject, SubjectSet):
            return (subject.namespace, self.id_of(subject.object), subject.relation)
        return self.id_of(subject)

    # -- writes ---------------------------------------------------------------

    def _row(self, t: RelationTuple, shard: uuid.UUID, now: datetime) -> dict[str, Any]:
        row: dict[str, Any] = {
            "shard_id": shard,
            "nid": self.nid,
            "namespace": t.namespace,
            "object": self.id_of(t.object),
            "relation": t.relation,
            "subject_id": None,
            "subject_set_namespace": None,
            "subject_set_object": None,
            "subject_set_relation": None,
            "commit_time": now,
        }
        if isinstance(t.subject, SubjectSet):
            row["subject_set_namespace"] = t.subject.namespace
            row["subject_set_object"] = self.id_of(t.subject.object)
            row["subject_set_relation"] = t.subject.relation
        else:
            row["subject_id"] = self.id_of(t.subject)
        return row

    def _strings(self, tuples: Iterable[RelationTuple]) -> list[dict[str, Any]]:
        seen: dict[uuid.UUID, str] = {}
        for t in tuples:
            seen[self.id_of(t.object)] = t.object
            s = t.subject
            text = s.object if isinstance(s, SubjectSet) else s
            seen[self.id_of(text)] = text
        return [{"id": k, "string_representation": v} for k, v in seen.items()]

    async def write(
        self, inserts: Sequence[RelationTuple], deletes: Sequence[RelationTuple]
    ) -> None:
        """Insert, then delete, in one transaction (Keto's PATCH order).

        Shard ids are chosen before the transaction and inserted with
        ON CONFLICT DO NOTHING, so re-running after an ambiguous commit cannot
        duplicate a row: the whole write is idempotent.
        """
        now = _now()
        rows = [self._row(t, uuid.uuid4(), now) for t in inserts]
        mappings = self._strings(inserts)
        insert_rows = insert_ignoring_conflicts(rt, self.db.dialect)
        insert_maps = insert_ignoring_conflicts(uuid_mappings, self.db.dialect)

        async def run(conn: AsyncConnection) -> None:
            for chunk in chunks(mappings, INSERT_CHUNK):
                await conn.execute(insert_maps, chunk)
            for chunk in chunks(rows, INSERT_CHUNK):
                await conn.execute(insert_rows, chunk)
            for chunk in chunks(list(deletes), DELETE_CHUNK):
                await conn.execute(
                    rt.delete().where(rt.c.nid == self.nid, or_(*map(self._exact, chunk)))
                )

        await self.db.transaction(run, idempotent=True)

    def _subject_filter(self, subject: Subject) -> Any:
        if isinstance(subject, SubjectSet):
            return and_(
                rt.c.subject_set_namespace == subject.namespace,
                rt.c.subject_set_object == self.id_of(subject.object),
                rt.c.subject_set_relation == subject.relation,
            )
        return rt.c.subject_id == self.id_of(subject)

    def _exact(self, t: RelationTuple) -> Any:
        return and_(
            rt.c.namespace == t.namespace,
            rt.c.object == self.id_of(t.object),
            rt.c.relation == t.relation,
            self._subject_filter(t.subject),
        )

    def _query_filter(self, q: RelationQuery) -> list[Any]:
        conds: list[Any] = [rt.c.nid == self.nid]
        if q.namespace is not None:
            conds.append(rt.c.namespace == q.namespace)
        if q.object is not None:
            conds.append(rt.c.object == self.id_of(q.object))
        if q.relation is not None:
            conds.append(rt.c.relation == q.relation)
        if q.subject is not None:
            conds.append(self._subject_filter(q.subject))
        return conds

    async def delete_matching(self, q: RelationQuery) -> None:
        async def run(conn: AsyncConnection) -> None:
            await conn.execute(rt.delete().where(*self._query_filter(q)))

        await self.db.transaction(run, idempotent=True)

    # -- reads ----------------------------------------------------------------

    async def list_tuples(
        self, q: RelationQuery, limit: int, after: uuid.UUID | None
    ) -> tuple[list[RelationTuple], uuid.UUID | None]:
        """One page ordered by shard id, and the last shard id when more rows follow."""
        conds = self._query_filter(q)
        if after is not None:
            conds.append(rt.c.shard_id > after)
        stmt = select(rt).where(*conds).order_by(rt.c.shard_id).limit(limit + 1)

        async def run(conn: AsyncConnection) -> tuple[list[RelationTuple], uuid.UUID | None]:
            rows = list(await conn.execute(stmt))
            more = len(rows) > limit
            rows = rows[:limit]
            names = await self._names(conn, _uuids_of(rows))
            tuples = [_to_tuple(r, names) for r in rows]
            return tuples, (rows[-1].shard_id if more and rows else None)

        return await self.db.read(run)

    async def subject_sets_of(self, namespace: str, obj: str, relation: str) -> list[Subject]:
        """Subjects (ids and sets, strings mapped back) of ``namespace:obj#relation``."""
        stmt = (
            select(rt)
            .where(
                rt.c.nid == self.nid,
                rt.c.namespace == namespace,
                rt.c.object == self.id_of(obj),
                rt.c.relation == relation,
            )
            .order_by(rt.c.shard_id)
        )

        async def run(conn: AsyncConnection) -> list[Subject]:
            rows = list(await conn.execute(stmt))
            names = await self._names(conn, _uuids_of(rows))
            return [_to_tuple(r, names).subject for r in rows]

        return await self.db.read(run)

    async def _names(self, conn: AsyncConnection, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        names: dict[uuid.UUID, str] = {}
        for chunk in chunks(sorted(ids), MAP_CHUNK):
            stmt = select(uuid_mappings.c.id, uuid_mappings.c.string_representation).where(
                uuid_mappings.c.id.in_(padded(chunk))
            )
            names.update({r[0]: r[1] for r in await conn.execute(stmt)})
        return names

    async def fetch(self, keys: Sequence[Key], subject: SubjectRef) -> dict[Key, KeyData]:
        """For each key: does it hold ``subject`` directly, and which subject sets does it hold.

        One statement for all keys, so that the engine needs one round trip per
        level of the search; each subject set row carries an EXISTS telling
        whether that set directly holds ``subject`` (Keto's traversal query).
        """
        inner = rt.alias("inner")
        if isinstance(subject, tuple):
            direct_t = and_(
                rt.c.subject_set_namespace == subject[0],
                rt.c.subject_set_object == subject[1],
                rt.c.subject_set_relation == subject[2],
            )
            direct_inner = and_(
                inner.c.subject_set_namespace == subject[0],
                inner.c.subject_set_object == subject[1],
                inner.c.subject_set_relation == subject[2],
            )
            row_filter: Any = rt.c.subject_id.is_(None)
        else:
            direct_t = rt.c.subject_id == subject
            direct_inner = inner.c.subject_id == subject
            row_filter = or_(rt.c.subject_id == subject, rt.c.subject_id.is_(None))
        contains = exists().where(
            inner.c.nid == rt.c.nid,
            inner.c.namespace == rt.c.subject_set_namespace,
            inner.c.object == rt.c.subject_set_object,
            inner.c.relation == rt.c.subject_set_relation,
            direct_inner,
        )
        stmt = select(
            rt.c.namespace,
            rt.c.object,
            rt.c.relation,
            direct_t.label("direct"),
            rt.c.subject_set_namespace,
            rt.c.subject_set_object,
            rt.c.subject_set_relation,
            contains.label("contains"),
        ).where(
            rt.c.nid == self.nid,
            tuple_(rt.c.namespace, rt.c.object, rt.c.relation).in_(padded(list(keys))),
            row_filter,
        )
        out: dict[Key, KeyData] = {k: KeyData() for k in keys}
        rows = await self.db.read(lambda conn: conn.execute(stmt))
        self.db.queries += 1
        for r in rows:
            data = out[(r[0], r[1], r[2])]
            if r[3]:
                data.direct = True
            if r[4] is not None:
                data.sets.append(((r[4], r[5], r[6]), bool(r[7])))
        return out


def _uuids_of(rows: Sequence[Any]) -> set[uuid.UUID]:
    ids: set[uuid.UUID] = set()
    for r in rows:
        ids.add(r.object)
        ids.add(r.subject_id if r.subject_id is not None else r.subject_set_object)
    return ids


def _to_tuple(r: Any, names: dict[uuid.UUID, str]) -> RelationTuple:
    subject: Subject
    if r.subject_id is not None:
        subject = names.get(r.subject_id, str(r.subject_id))
    else:
        subject = SubjectSet(
            r.subject_set_namespace,
            names.get(r.subject_set_object, str(r.subject_set_object)),
            r.subject_set_relation,
        )
    return RelationTuple(r.namespace, names.get(r.object, str(r.object)), r.relation, subject)
