"""Pooled connections across a PostgreSQL restart (the test's own cluster, restarted with pg_ctl).

Every pooled session dies with the server. Work on a dead connection is sent
again on a fresh one when that is safe, and otherwise fails as ``Unavailable``
(a 503), never as anything else; every write the caller saw succeed is there.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from bench.common.services import restart_postgres, start_postgres, stop_postgres
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.core.errors import Unavailable
from roost.storage.database import Database
from tests.support.pg import create_database


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[str, str]]:
    admin, directory = start_postgres()
    try:
        yield admin, directory
    finally:
        stop_postgres(directory)


@pytest.fixture
async def db(cluster: tuple[str, str]) -> AsyncIterator[Database]:
    database = Database(create_database(cluster[0]))
    await database.transaction(
        lambda c: c.execute(text("CREATE TABLE t (id int PRIMARY KEY, kind text NOT NULL)"))
    )
    try:
        yield database
    finally:
        await database.close()


class Load:
    """One of each kind of storage call; ``ids`` are the writes acknowledged."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.next_id = 0
        self.acked: set[int] = set()

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    async def transaction(self) -> None:
        key = self._id()

        async def insert(conn: AsyncConnection) -> None:
            await conn.execute(text("SELECT count(*) FROM t"))
            await conn.execute(text(f"INSERT INTO t VALUES ({key}, 'tx')"))

        await self.db.transaction(insert)
        self.acked.add(key)

    async def raw_write(self) -> None:
        key = self._id()
        sql = "INSERT INTO t VALUES ($1, 'raw') ON CONFLICT DO NOTHING"
        await self.db.raw_write(sql, [key], idempotent=True)
        self.acked.add(key)

    async def read(self) -> None:
        await self.db.read(lambda c: c.execute(text("SELECT count(*) FROM t")))

    async def raw_read(self) -> None:
        async with self.db.raw_reader() as fetch:
            await fetch("SELECT count(*) FROM t", [])
            await fetch("SELECT 1", [])

    def round(self, width: int = 4) -> list[Any]:
        kinds = (self.transaction, self.raw_write, self.read, self.raw_read)
        return [kind() for kind in kinds for _ in range(width)]


async def _stored(db: Database) -> set[int]:
    async with db.raw_reader() as fetch:
        return {row[0] for row in await fetch("SELECT id FROM t", [])}


async def test_dead_pooled_connections_are_replaced_without_errors(
    db: Database, cluster: tuple[str, str]
) -> None:
    load = Load(db)
    for _ in range(3):  # fill both pools with several live sessions
        await asyncio.gather(*load.round())
    await asyncio.to_thread(restart_postgres, cluster[1])
    results = await asyncio.gather(*load.round(), return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert load.acked <= await _stored(db)


async def test_restart_under_load_fails_only_as_unavailable_and_keeps_acked_writes(
    db: Database, cluster: tuple[str, str]
) -> None:
    load = Load(db)
    await asyncio.gather(*load.round())
    restart = asyncio.ensure_future(asyncio.to_thread(restart_postgres, cluster[1]))
    errors: list[BaseException] = []
    back_at: float | None = None
    late: list[BaseException] = []
    began = time.monotonic()
    while time.monotonic() - began < 6:
        results = await asyncio.gather(*load.round(2), return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        errors += failed
        if restart.done() and back_at is None:
            back_at = time.monotonic()
        elif back_at is not None and time.monotonic() - back_at > 1:
            late += failed  # a second after the server is back, nothing may fail
    await restart
    assert all(isinstance(e, Unavailable) for e in errors), errors
    assert late == []
    assert load.acked <= await _stored(db)
