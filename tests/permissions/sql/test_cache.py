"""The check cache: never stale across replicas, cheap when warm, bounded."""

from __future__ import annotations

import asyncio
import uuid

from roost.permissions.relationtuples.model import RelationQuery
from roost.permissions.sql.cache import TupleCache, VersionGate
from roost.permissions.sql.rows_query import TOO_BIG, Entry, Rows
from roost.permissions.sql.store import _REFRESH_PG, SHARDS, TupleStore
from tests.permissions.support import check, namespaces_from, open_store, tuples

GROUPS = namespaces_from(legacy=["doc", "group"])


async def _replicas(dsn: str) -> tuple[TupleStore, TupleStore]:
    """Two stores on one database, each with its own cache: two replicas of the service."""
    first = await open_store(dsn)
    second = await open_store(dsn)
    return first, second


async def test_a_write_on_one_replica_is_seen_by_the_next_check_on_another(dsn: str) -> None:
    writer, reader = await _replicas(dsn)
    try:
        await writer.write(tuples(["doc:d#view@group:g#member"]), [])
        for i in range(5):
            user = f"u{i}"
            assert not await check(reader, GROUPS, f"doc:d#view@{user}")  # warms the cache
            await writer.write(tuples([f"group:g#member@{user}"]), [])
            assert await check(reader, GROUPS, f"doc:d#view@{user}")
            await writer.write([], tuples([f"group:g#member@{user}"]))
            assert not await check(reader, GROUPS, f"doc:d#view@{user}")
        await writer.write(tuples(["group:g#member@x"]), [])
        assert await check(reader, GROUPS, "doc:d#view@x")
        await writer.delete_matching(RelationQuery(namespace="group"))
        assert not await check(reader, GROUPS, "doc:d#view@x")
    finally:
        await writer.db.close()
        await reader.db.close()


async def test_a_warm_check_sends_only_the_version_read(dsn: str) -> None:
    store = await open_store(dsn)
    try:
        await store.write(tuples(["doc:d#view@group:g#member", "group:g#member@u"]), [])
        assert await check(store, GROUPS, "doc:d#view@u")
        before = store.db.queries
        assert await check(store, GROUPS, "doc:d#view@u")
        assert not await check(store, GROUPS, "doc:d#view@someone-else")
        assert store.db.queries - before == 2  # one counter read per check, nothing else
    finally:
        await store.db.close()


async def test_a_write_drops_only_the_objects_it_touched(dsn: str) -> None:
    writer, reader = await _replicas(dsn)
    try:
        await writer.write(tuples(["doc:a#view@u", "doc:b#view@u"]), [])
        assert await check(reader, GROUPS, "doc:a#view@u")
        assert await check(reader, GROUPS, "doc:b#view@u")
        await writer.write([], tuples(["doc:a#view@u"]))
        before = reader.db.queries
        assert await check(reader, GROUPS, "doc:b#view@u")  # still cached
        assert reader.db.queries - before == 1
        assert not await check(reader, GROUPS, "doc:a#view@u")  # read again
        assert reader.db.queries - before == 3
        await writer.delete_matching(RelationQuery(namespace="doc"))  # no object named
        assert not await check(reader, GROUPS, "doc:b#view@u")
    finally:
        await writer.db.close()
        await reader.db.close()


async def test_concurrent_writers_all_land_and_every_check_sees_them(dsn: str) -> None:
    """Writers raise version counters in their transactions; many at once must not exhaust
    their retries (they spread over counter shards) and every write must be seen."""
    writer, reader = await _replicas(dsn)
    try:
        await writer.write(tuples(["doc:d#view@group:g#member"]), [])
        assert not await check(reader, GROUPS, "doc:d#view@w0-0")  # warm the reader

        async def one(w: int) -> None:
            for i in range(5):
                await writer.write(tuples([f"group:g#member@w{w}-{i}"]), [])

        await asyncio.gather(*(one(w) for w in range(8)))
        for w in range(8):
            for i in range(5):
                assert await check(reader, GROUPS, f"doc:d#view@w{w}-{i}")
    finally:
        await writer.db.close()
        await reader.db.close()


async def test_a_refresh_reads_only_what_each_shard_logged_since(dsn: str) -> None:
    writer, reader = await _replicas(dsn)
    try:
        for i in range(40):  # shards drift apart: each is raised by chance
            await writer.write(tuples([f"group:g#member@u{i}"]), [])
        assert await check(reader, GROUPS, "group:g#member@u1")
        seen = reader.cache.version
        assert seen is not None
        quiet = await reader._counters_and_log(seen)
        assert all(r[5] is None for r in quiet)  # counters only: nothing new anywhere
        await writer.write(tuples(["group:g#member@late"]), [])
        fresh = await reader._counters_and_log(seen)
        assert [r[3] for r in fresh if r[5] is not None] == ["group"]  # just the new write
    finally:
        await writer.db.close()
        await reader.db.close()


async def test_the_counter_read_probes_the_log_index_under_a_generic_plan(dsn: str) -> None:
    store = await open_store(dsn)
    try:
        if store.db.dialect == "sqlite":
            return
        await store.write(tuples([f"group:g#member@u{i}" for i in range(300)]), [])
        name = f"refresh_{uuid.uuid4().hex}"
        async with store.db.raw_reader() as run:  # a hot-pool session: force_generic_plan
            await run(f"PREPARE {name}(uuid, int8[]) AS {_REFRESH_PG}", ())
            args = f"'{store.nid}', '{{{','.join(['0'] * SHARDS)}}}'"
            plan = "\n".join(r[0] for r in await run(f"EXPLAIN EXECUTE {name}({args})", ()))
            await run(f"DEALLOCATE {name}", ())
        assert "roost_check_log_version_idx" in plan and "Seq Scan on roost_check_log" not in plan
    finally:
        await store.db.close()


async def test_keys_over_the_cap_are_checked_per_subject(dsn: str) -> None:
    store = await open_store(dsn, 2)
    try:
        members = [f"group:big#member@u{i}" for i in range(5)]
        await store.write(tuples(["doc:d#view@group:big#member", *members]), [])
        assert await check(store, GROUPS, "doc:d#view@u3")
        assert not await check(store, GROUPS, "doc:d#view@stranger")
        assert store.cache.entry(("group", store.id_of("big"), "member")) is TOO_BIG
        assert await check(store, GROUPS, "group:big#member@u4")
    finally:
        await store.db.close()


def _rows(key: tuple[str, uuid.UUID, str], size: int = 1) -> Rows:
    return Rows(keys={key: Entry(frozenset({uuid.uuid4()}), ())}, size=size)


def test_rows_read_under_an_older_version_are_not_kept() -> None:
    cache = TupleCache()
    key = ("n", uuid.uuid4(), "r")
    cache.advance((3,), None)
    cache.store((2,), _rows(key))  # read by a check that saw version 2
    assert cache.entry(key) is None
    cache.store((3,), _rows(key))
    assert cache.entry(key) is not None
    cache.advance((4,), [("n", uuid.uuid4())])  # another object changed
    assert cache.entry(key) is not None
    cache.advance((5,), [(key[0], key[1])])
    assert cache.entry(key) is None
    cache.store((5,), _rows(key))
    cache.advance((6,), None)  # anything may have changed
    assert cache.entry(key) is None
    cache.advance((3,), None)  # an older value read late changes nothing
    assert cache.version == (6,)


def test_a_full_cache_starts_over() -> None:
    cache = TupleCache(max_rows=10)
    cache.advance((1,), None)
    first, second = ("n", uuid.uuid4(), "r"), ("n", uuid.uuid4(), "r")
    cache.store((1,), _rows(first, size=6))
    cache.store((1,), _rows(second, size=6))
    assert cache.entry(first) is None
    assert cache.entry(second) is not None


async def test_the_gate_shares_reads_but_never_serves_one_started_earlier() -> None:
    started: list[int] = []
    clock = 0

    async def read() -> int:
        started.append(clock)
        await asyncio.sleep(0.01)
        return len(started)

    gate = VersionGate(read)

    async def caller(delay: float) -> tuple[int, int]:
        nonlocal clock
        await asyncio.sleep(delay)
        clock += 1
        arrived = clock
        read_number = await gate.current()
        return arrived, started[read_number - 1]

    results = await asyncio.gather(*(caller(i * 0.002) for i in range(20)))
    for arrived, read_started in results:
        assert read_started >= arrived  # the read began after the caller asked
    assert len(started) < 10  # and reads were shared


async def test_the_gate_passes_errors_to_every_waiter_and_recovers() -> None:
    calls = 0

    async def read() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.005)
        if calls == 1:
            raise ConnectionError("down")
        return calls

    gate = VersionGate(read)
    outcomes = await asyncio.gather(*(gate.current() for _ in range(5)), return_exceptions=True)
    assert all(isinstance(o, ConnectionError) for o in outcomes)
    assert await gate.current() == 2
