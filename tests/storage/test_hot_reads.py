"""Hand-written reads on the hot pool see values as the engine's own statements do."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from roost.storage.database import Database


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
