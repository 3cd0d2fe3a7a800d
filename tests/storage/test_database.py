"""``roost.storage.database``: the transaction helper and the hand-written read path.

The transaction helper under genuine serialization conflicts: concurrent
writers each read the current maximum of a scratch table and insert max + 1,
a classic write-skew pattern that SERIALIZABLE must reject for all but one of
every conflicting group (SQLSTATE 40001 on PostgreSQL, "database is locked"
on SQLite). Every write must land exactly once, in a serial order.
Hand-written reads on the hot pool see values as the engine's own statements do.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Uuid, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.core.errors import Conflict, Unavailable
from roost.storage import database as dbmod
from roost.storage.database import Database

meta = MetaData()
counter = Table(
    "roost_test_counter",
    meta,
    Column("id", Uuid, primary_key=True),
    Column("value", Integer, nullable=False, unique=True),
)

WRITERS = 24


async def _setup(dsn: str) -> Database:
    db = Database(dsn)
    await db.read(lambda conn: conn.run_sync(meta.create_all))
    return db


async def test_every_write_lands_exactly_once(dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dbmod, "MAX_ATTEMPTS", 200)
    db = await _setup(dsn)
    conflicts = 0
    original = dbmod.sqlstate

    def counting(exc: BaseException) -> str | None:
        nonlocal conflicts
        code = original(exc)
        conflicts += code in dbmod.RETRYABLE
        return code

    monkeypatch.setattr(dbmod, "sqlstate", counting)

    async def increment(conn: AsyncConnection) -> int:
        current = (
            await conn.execute(select(func.coalesce(func.max(counter.c.value), 0)))
        ).scalar_one()
        await asyncio.sleep(0.01)  # widen the window so writers genuinely overlap
        await conn.execute(counter.insert().values(id=uuid.uuid4(), value=current + 1))
        return int(current) + 1

    dialect = db.dialect
    try:
        results = await asyncio.gather(*(db.transaction(increment) for _ in range(WRITERS)))
        rows = await db.read(lambda conn: conn.execute(select(counter.c.value)))
        values = sorted(r[0] for r in rows)
    finally:
        await db.close()
    assert sorted(results) == list(range(1, WRITERS + 1))
    assert values == list(range(1, WRITERS + 1))
    if dialect != "sqlite":  # SQLite writers queue on BEGIN IMMEDIATE instead of conflicting
        assert conflicts > 0, "the test did not produce any serialization conflict"


async def test_unique_violation_is_conflict_and_rolls_back(dsn: str) -> None:
    db = await _setup(dsn)

    async def twice(conn: AsyncConnection) -> None:
        await conn.execute(counter.insert().values(id=uuid.uuid4(), value=1))
        await conn.execute(counter.insert().values(id=uuid.uuid4(), value=1))

    try:
        with pytest.raises(Conflict):
            await db.transaction(twice)
        rows = await db.read(lambda conn: conn.execute(select(func.count()).select_from(counter)))
        assert rows.scalar_one() == 0
    finally:
        await db.close()


_FLAKY = """
CREATE FUNCTION roost_test_flaky(fails integer, code text) RETURNS bigint AS $$
DECLARE n bigint := nextval('roost_test_calls');  -- sequences survive the rollback
BEGIN
  IF n <= fails THEN RAISE EXCEPTION 'flaky' USING ERRCODE = code; END IF;
  RETURN n;
END $$ LANGUAGE plpgsql
"""


async def test_reads_retry_serialization_failures_only(
    dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lone SELECT can fail with 40001 under SERIALIZABLE; reads run again, other errors don't."""
    if dsn.startswith("sqlite"):
        pytest.skip("SQLite has no SQLSTATE 40001 on reads")
    monkeypatch.setattr(dbmod, "_backoff", lambda attempt: 0)
    db = Database(dsn)

    async def ddl(conn: AsyncConnection) -> None:
        await conn.execute(text("CREATE SEQUENCE roost_test_calls"))
        await conn.execute(text(_FLAKY))

    async def restart() -> None:
        await db.read(lambda c: c.execute(text("ALTER SEQUENCE roost_test_calls RESTART")))

    try:
        await db.read(ddl)
        flaky = text("SELECT roost_test_flaky(2, '40001')")
        assert await db.read(lambda c: c.scalar(flaky)) == 3
        await restart()
        async with db.raw_reader() as run:
            assert (await run("SELECT roost_test_flaky(2, '40001')", ()))[0][0] == 3
        await restart()
        with pytest.raises(DBAPIError):  # 42501: no conflict, no bad input: one call
            await db.read(lambda c: c.scalar(text("SELECT roost_test_flaky(1, '42501')")))
        with pytest.raises(Unavailable):
            async with db.raw_reader() as run:
                await run("SELECT roost_test_flaky(2, '42501')", ())
        assert await db.read(lambda c: c.scalar(text("SELECT nextval('roost_test_calls')"))) == 3
    finally:
        await db.close()


# -- hand-written reads on the hot pool see values as the engine's own statements do


async def test_json_and_plain_values_match_the_engine(dsn: str) -> None:
    db = Database(dsn)
    try:
        if db.dialect == "sqlite":
            sql, params = "SELECT json_object('a', 1), 42", {}
        else:
            sql, params = "SELECT $1::jsonb, $2::json, 42", ['{"a": 1}', '{"b": [2]}']
        async with db.raw_reader() as run:
            row = (await run(sql, params))[0]
        if db.dialect != "sqlite":
            assert row[0] == {"a": 1}  # decoded, like SQLAlchemy's JSON columns
            assert row[1] == {"b": [2]}
            engine_row = await db.read(
                lambda conn: conn.execute(text("SELECT CAST('{\"a\": 1}' AS jsonb)"))
            )
            assert next(iter(engine_row))[0] == row[0]
        assert row[-1] == 42
    finally:
        await db.close()


async def test_connections_are_reused_and_survive_a_cancelled_statement(dsn: str) -> None:
    db = Database(dsn)
    try:
        if db.dialect == "sqlite":
            return  # SQLite statements run in a thread and cannot be cancelled midway
        async with db.raw_reader() as run:
            first = (await run("SELECT pg_backend_pid()", []))[0][0]
        async with db.raw_reader() as run:
            assert (await run("SELECT pg_backend_pid()", []))[0][0] == first

        async def slow() -> None:
            async with db.raw_reader() as run:
                await run("SELECT pg_sleep(5)", [])

        task = asyncio.create_task(slow())
        await asyncio.sleep(0.2)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        for _ in range(3):  # the pool hands out working connections afterwards
            async with db.raw_reader() as run:
                assert (await run("SELECT 1", []))[0][0] == 1
    finally:
        await db.close()
