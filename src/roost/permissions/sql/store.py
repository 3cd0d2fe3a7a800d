"""Relation tuple storage on SQLite, PostgreSQL and CockroachDB.

Implements the narrow interfaces the check engine, the expand engine and the
HTTP handlers declare. Strings become UUIDv5(network id, string) on the way in
(the same mapping Keto uses, so Keto's own read-back SQL works), and are mapped
back only where a response needs them.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.permissions.check.engine import Fetch, Fetched, Key, SubjectRef
from roost.permissions.relationtuples.model import (
    RelationQuery,
    RelationTuple,
    Subject,
    SubjectSet,
)
from roost.permissions.sql import check_query
from roost.permissions.sql.tables import networks, uuid_mappings
from roost.permissions.sql.tables import relation_tuples as rt
from roost.storage.database import Database
from roost.storage.networks import ensure_network as shared_ensure_network
from roost.storage.sql import chunks, insert_ignoring_conflicts, padded

INSERT_CHUNK = 500
DELETE_CHUNK = 100
MAP_CHUNK = 500


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


async def ensure_network(db: Database) -> uuid.UUID:
    """This service's network id (see roost.storage.networks)."""
    return await shared_ensure_network(db, networks)


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
        # Sorted, so concurrent writers lock mapping rows in the same order.
        return [{"id": k, "string_representation": seen[k]} for k in sorted(seen)]

    async def write(
        self, inserts: Sequence[RelationTuple], deletes: Sequence[RelationTuple]
    ) -> None:
        """Insert, then delete, in one transaction (Keto's PATCH order).

        Shard ids are chosen before the transaction and inserted with
        ON CONFLICT DO NOTHING, so re-running after an ambiguous commit cannot
        duplicate a row: the whole write is idempotent. String mappings go in
        first, in their own transaction: a mapping is a pure function of its
        string, so one written for a write that then fails is harmless, and
        keeping them out of the tuple transaction keeps writers that share
        strings from aborting each other.
        """
        now = _now()
        rows = sorted((self._row(t, uuid.uuid4(), now) for t in inserts), key=_shard)
        mappings = self._strings(inserts)
        insert_rows = insert_ignoring_conflicts(rt, self.db.dialect)
        insert_maps = insert_ignoring_conflicts(uuid_mappings, self.db.dialect)

        async def map_strings(conn: AsyncConnection) -> None:
            for chunk in chunks(mappings, INSERT_CHUNK):
                await conn.execute(insert_maps, chunk)

        async def run(conn: AsyncConnection) -> None:
            for chunk in chunks(rows, INSERT_CHUNK):
                await conn.execute(insert_rows, chunk)
            for chunk in chunks(list(deletes), DELETE_CHUNK):
                await conn.execute(
                    rt.delete().where(rt.c.nid == self.nid, or_(*map(self._exact, chunk)))
                )

        if mappings:
            await self.db.transaction(map_strings, idempotent=True)
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

    @contextlib.asynccontextmanager
    async def reader(self) -> AsyncIterator[Fetch]:
        """A fetch function bound to one connection, for the rounds of one check.

        Each call answers, for every key: does it hold ``subject`` directly, and
        which subject sets does it hold. One statement for all keys, so the
        engine pays one round trip per level of the search.
        """
        async with self.db.raw_reader() as run:

            async def fetch(keys: Sequence[Key], subject: SubjectRef) -> Fetched:
                sql, params = check_query.build(self.db.dialect, self.nid, keys, subject)
                return check_query.collect(keys, await run(sql, params))

            yield fetch


def _shard(row: dict[str, Any]) -> uuid.UUID:
    shard: uuid.UUID = row["shard_id"]
    return shard


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
