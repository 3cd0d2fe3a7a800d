"""Relation tuple storage on SQLite, PostgreSQL and CockroachDB.

Implements the narrow interfaces the check engine, the expand engine and the
HTTP handlers declare. Strings become UUIDv5(network id, string) on the way in
(the same mapping Keto uses, so Keto's own read-back SQL works), and are mapped
back only where a response needs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.core.errors import Invalid, Unavailable
from roost.permissions import snaptokens
from roost.permissions.check.engine import Fetched, Key, KeyData, ObjectRef, SubjectRef
from roost.permissions.relationtuples.model import (
    RelationQuery,
    RelationTuple,
    Subject,
    SubjectSet,
)
from roost.permissions.sql import changes, check_query, rows_query
from roost.permissions.sql.cache import DEFAULT_CAP, TupleCache, VersionGate, Versions, key_data
from roost.permissions.sql.changes import FEED_COLUMNS, ChangeFeed
from roost.permissions.sql.keys import as_uuid
from roost.permissions.sql.rows_query import TOO_BIG, Entry, Rows
from roost.permissions.sql.tables import check_counters, check_log, networks, uuid_mappings
from roost.permissions.sql.tables import relation_tuples as rt
from roost.storage.database import Database, RawFetch
from roost.storage.networks import ensure_network as shared_ensure_network
from roost.storage.sql import chunks, insert_ignoring_conflicts, padded, upsert_increment
from roost.storage.sqlite_uuid import as_text

INSERT_CHUNK = 500
LOGGED_OBJECTS = 256
"""A write touching more objects logs "anything changed" instead of each one."""
CHANGES_WINDOW = 256
"""Caches this many versions behind (on a shard) follow the log; further behind, they start over."""
SHARDS = 16
"""Version counters per network: concurrent writers rarely raise the same one."""
LOG_ROWS_PER_SHARD = 1024
"""More log rows than this on a shard since the last read: start over instead."""
DELETE_CHUNK = 100
MAP_CHUNK = 500
FRESH_ATTEMPTS = 40
FRESH_PAUSE = 0.05
"""A read behind its snaptoken re-reads the counters for up to 2 s, then answers 503."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


async def ensure_network(db: Database) -> uuid.UUID:
    """This service's network id (see roost.storage.networks)."""
    return await shared_ensure_network(db, networks)


class TupleStore:
    """All SQL of the permission service, scoped to one network.

    Checks read through a per-process cache (roost.permissions.sql.cache);
    every write raises one of the network's version counters in its transaction.
    """

    def __init__(self, db: Database, nid: uuid.UUID, cache_cap: int = DEFAULT_CAP) -> None:
        self.db = db
        self.nid = nid
        self.cache = TupleCache(cache_cap)
        self.gate = VersionGate(self._refresh)

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
    ) -> str:
        """Insert, then delete, in one transaction (Keto's PATCH order).

        Shard ids are chosen before the transaction and inserted with
        ON CONFLICT DO NOTHING, so re-running after an ambiguous commit cannot
        duplicate a row: the whole write is idempotent. String mappings go in
        first, in their own transaction: a mapping is a pure function of its
        string, so one written for a write that then fails is harmless, and
        keeping them out of the tuple transaction keeps writers that share
        strings from aborting each other. Returns the write's snaptoken.
        """
        now = _now()
        touched = [*inserts, *deletes]
        rows = sorted((self._row(t, uuid.uuid4(), now) for t in inserts), key=_shard)
        mappings = self._strings(inserts)
        insert_rows = insert_ignoring_conflicts(rt, self.db.dialect)
        insert_maps = insert_ignoring_conflicts(uuid_mappings, self.db.dialect)

        async def map_strings(conn: AsyncConnection) -> None:
            for chunk in chunks(mappings, INSERT_CHUNK):
                await conn.execute(insert_maps, chunk)

        async def run(conn: AsyncConnection) -> str:
            feed = ChangeFeed(conn, self.nid, now)
            token = await self._bump(conn, {(t.namespace, self.id_of(t.object)) for t in touched})
            for chunk in chunks(rows, INSERT_CHUNK):
                await conn.execute(insert_rows, chunk)
                feed.inserted(chunk)
            for chunk in chunks(list(deletes), DELETE_CHUNK):
                stmt = rt.delete().where(rt.c.nid == self.nid, or_(*map(self._exact, chunk)))
                feed.deleted(await conn.execute(stmt.returning(*FEED_COLUMNS)))
            await feed.log(*token)
            return snaptokens.encode({token[0]: token[1]})

        if mappings:
            await self.db.transaction(map_strings, idempotent=True)
        return await self.db.transaction(run, idempotent=True)

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

    async def delete_matching(self, q: RelationQuery) -> str:
        """Delete every tuple ``q`` matches; returns the write's snaptoken."""
        exact = None
        if q.namespace is not None and q.object is not None:
            exact = {(q.namespace, self.id_of(q.object))}

        async def run(conn: AsyncConnection) -> str:
            feed = ChangeFeed(conn, self.nid, _now())
            token = await self._bump(conn, exact)
            stmt = rt.delete().where(*self._query_filter(q)).returning(*FEED_COLUMNS)
            feed.deleted(await conn.execute(stmt))
            await feed.log(*token)
            return snaptokens.encode({token[0]: token[1]})

        return await self.db.transaction(run, idempotent=True)

    async def wait_fresh(self, text: str | None) -> None:
        """Return once this replica's counters cover ``text`` (a snaptoken, or ``latest``)."""
        if not text or text == snaptokens.LATEST:
            return
        token = snaptokens.decode(text, SHARDS)
        for _ in range(FRESH_ATTEMPTS):
            if snaptokens.covers(await self.gate.current(), token):
                return
            await asyncio.sleep(FRESH_PAUSE)
        raise Unavailable("this replica has not yet seen the write the snaptoken names")

    async def changes_since(self, text: str | None) -> tuple[list[dict[str, Any]], str]:
        """Tuple changes after the feed token ``text`` (none without one) and the next token."""
        start = None if not text else snaptokens.decode(text, SHARDS)
        if start is not None and len(start) != SHARDS:
            raise Invalid("the snaptoken is not a change feed token (it must list every shard)")

        async def run(conn: AsyncConnection) -> tuple[list[dict[str, Any]], str]:
            upto = await changes.counters(conn, self.nid, SHARDS)
            if start is None:
                return [], snaptokens.encode(dict(enumerate(upto)))
            since = [start[s] for s in range(SHARDS)]
            if any(u - s > changes.RETAIN for s, u in zip(since, upto, strict=True)):
                raise Invalid("the snaptoken is too old for the change feed; start over")
            found, reached = await changes.read_since(conn, self.nid, since, upto)
            ids = {c.row[1] for c in found} | {c.row[3] or c.row[5] for c in found}
            names = await self._names(conn, ids)
            out = [
                {"action": c.action, "relation_tuple": _change_tuple(c.row, names).to_json()}
                for c in found
            ]
            return out, snaptokens.encode(dict(enumerate(reached)))

        return await self.db.read(run)

    async def _bump(self, conn: AsyncConnection, touched: set[ObjectRef] | None) -> tuple[int, int]:
        """Raise one version counter and log what changed, for every replica's check cache.

        First in the write's transaction: a writer that has to wait for another
        on the same shard learns it before doing its work, and the retry is cheap.
        Both move exactly when the rows do (a write run twice after an ambiguous
        commit only logs twice). ``None``, or too many objects, logs "anything".
        Returns the shard and the version it raised.
        """
        shard = random.randrange(SHARDS)  # spreads writers; not a secret
        key = {"nid": self.nid, "shard": shard}
        bump = upsert_increment(check_counters, self.db.dialect, key, "version")
        version = (await conn.execute(bump.returning(check_counters.c.version))).scalar_one()
        objects: list[tuple[str | None, uuid.UUID | None]] = [(None, None)]
        if touched is not None and len(touched) <= LOGGED_OBJECTS:
            objects = sorted(touched)
        rows = [
            {"id": uuid.uuid4(), **key, "version": version, "namespace": n, "object": o}
            for n, o in objects
        ]
        if rows:
            await conn.execute(check_log.insert(), rows)
        await conn.execute(
            check_log.delete().where(
                check_log.c.nid == self.nid,
                check_log.c.shard == shard,
                check_log.c.version <= version - 2 * CHANGES_WINDOW,
            )
        )
        return shard, int(version)

    async def _refresh(self) -> Versions:
        """Read the counters and, where they moved, what changed since; bring the cache along.

        Runs once at a time per process (the gate), so the cache's versions
        cannot move meanwhile.
        """
        since = self.cache.version
        rows = await self._counters_and_log(since)
        counters = dict.fromkeys(range(SHARDS), 0)
        for r in rows:
            counters[int(r[0])] = int(r[1])
        version = tuple(counters[s] for s in range(SHARDS))
        self.cache.advance(version, None if since is None else _changes(rows, since, version))
        return version

    async def _counters_and_log(self, since: Versions | None) -> list[Sequence[Any]]:
        """Every counter, and the log rows each shard wrote after ``since`` (nothing without it).

        One statement, so counters and log come from one snapshot; each shard is
        compared with its own last value, so a refresh reads only what is new.
        """
        floors = list(since) if since is not None else [_NEVER] * SHARDS
        params: Any
        if self.db.dialect == "sqlite":
            sql, params = _REFRESH_SQLITE, {"nid": as_text(self.nid), "floors": json.dumps(floors)}
        else:
            sql, params = _REFRESH_PG, [self.nid, floors]
        async with self.db.raw_reader() as run:
            return await run(sql, params)

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
    async def reader(self) -> AsyncIterator[CachedSnapshot]:
        """A snapshot for the rounds of one check: the cache, then storage.

        The version counters are read first (shared with concurrent checks), so
        nothing cached before a write that finished earlier is ever used.
        """
        version = await self.gate.current()
        async with self.db.raw_reader() as run:
            yield CachedSnapshot(self, version, run)


class CachedSnapshot:
    """One check's view: cached entries first, one statement per round for the rest."""

    def __init__(self, store: TupleStore, version: Versions, run: RawFetch) -> None:
        self.store = store
        self.cache = store.cache
        self.version = version
        self.run = run

    def known(self, key: Key, subject: SubjectRef) -> KeyData | None:
        entry = self.cache.entry(key)
        if entry is None or entry is TOO_BIG:
            return None
        return key_data(entry, subject, self.cache.entry)

    async def fetch(self, keys: Sequence[Key], subject: SubjectRef) -> Fetched:
        """Read uncached keys in full (and cache them); keys too big to cache per subject."""
        big: list[Key] = []
        plain: list[Key] = []
        for k in keys:
            (big if self.cache.entry(k) is TOO_BIG else plain).append(k)
        data: dict[Key, KeyData] = {}
        complete: set[tuple[str, uuid.UUID]] = set()
        if plain:
            rows = await self._rows(plain)
            self.cache.store(self.version, rows)

            def lookup(k: Key) -> Entry | None:
                found = rows.entry(k)
                return found if found is not None else self.cache.entry(k)

            for obj, relations in rows.objects.items():
                complete.add(obj)
                for relation, entry in relations.items():
                    data[(obj[0], obj[1], relation)] = key_data(entry, subject, lookup)
            for key, entry in rows.keys.items():
                if entry is TOO_BIG:
                    big.append(key)
                else:
                    data[key] = key_data(entry, subject, lookup)
        if big:
            sql, params = check_query.build(self.store.db.dialect, self.store.nid, big, subject)
            found, read_in_full = check_query.collect(big, await self.run(sql, params))
            data.update(found)
            complete |= read_in_full
        return data, complete

    async def _rows(self, keys: Sequence[Key]) -> Rows:
        cap = self.cache.cap
        sql, params = rows_query.build(self.store.db.dialect, self.store.nid, keys, cap)
        return rows_query.collect(keys, await self.run(sql, params), cap)


def _changes(
    rows: Sequence[Sequence[Any]], since: Versions, version: Versions
) -> list[ObjectRef] | None:
    """Objects logged on each shard after ``since``; ``None`` when the log cannot tell."""
    if any(v - s > CHANGES_WINDOW for v, s in zip(version, since, strict=True)):
        return None  # too far behind: the log may be pruned
    per_shard = Counter(int(r[0]) for r in rows if r[5] is not None)
    if any(n > LOG_ROWS_PER_SHARD for n in per_shard.values()):
        return None  # a flood of writes: cheaper to start over than to follow it
    changed: list[ObjectRef] = []
    for r in rows:  # shard, counter, logged version, namespace, object, log id
        if r[5] is None:
            continue  # nothing logged on this shard since
        if r[3] is None or r[4] is None:
            return None  # "anything may have changed"
        changed.append((r[3], as_uuid(r[4])))
    return changed


# PostgreSQL/CockroachDB: a LATERAL subquery with a LIMIT, so the generic plan is an
# index probe per shard (as a plain join, PostgreSQL hashed the whole log every time).
_REFRESH_PG = (
    "SELECT v.shard, v.version, c.version, c.namespace, c.object, c.id"  # noqa: S608 (an integer)
    " FROM roost_check_counters v LEFT JOIN LATERAL (SELECT l.version, l.namespace,"
    " l.object, l.id FROM roost_check_log l WHERE l.nid = v.nid AND l.shard = v.shard"
    " AND l.version > ($2::int8[])[v.shard + 1] AND l.version <= v.version"
    f" LIMIT {LOG_ROWS_PER_SHARD + 1}) c ON true WHERE v.nid = $1"
)
_REFRESH_SQLITE = (
    "SELECT v.shard, v.version, c.version, c.namespace, c.object, c.id"
    " FROM roost_check_counters v LEFT JOIN roost_check_log c ON c.nid = v.nid"
    " AND c.shard = v.shard AND c.version > json_extract(:floors, '$[' || v.shard || ']')"
    " AND c.version <= v.version WHERE v.nid = :nid"
)
_NEVER = 2**62
"""A log floor no version reaches: a cache with nothing yet reads counters only."""


def _shard(row: dict[str, Any]) -> uuid.UUID:
    shard: uuid.UUID = row["shard_id"]
    return shard


def _uuids_of(rows: Sequence[Any]) -> set[uuid.UUID]:
    ids: set[uuid.UUID] = set()
    for r in rows:
        ids.add(r.object)
        ids.add(r.subject_id if r.subject_id is not None else r.subject_set_object)
    return ids


def _change_tuple(r: Sequence[Any], names: dict[uuid.UUID, str]) -> RelationTuple:
    """A change row (namespace, object, relation, subject id, subject set) as a tuple."""
    subject: Subject
    if r[3] is not None:
        subject = names.get(r[3], str(r[3]))
    else:
        subject = SubjectSet(r[4], names.get(r[5], str(r[5])), r[6])
    return RelationTuple(r[0], names.get(r[1], str(r[1])), r[2], subject)


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
