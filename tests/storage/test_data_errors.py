"""Values the database cannot store are ``Invalid`` (a 400), rolled back, on every backend."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.core.errors import Invalid
from roost.storage.data_errors import as_invalid, data_error_code
from roost.storage.database import Database

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(8), nullable=False),
    Column("note", Text, nullable=False),
    Column("n", Integer, nullable=False),
)
SECRET = "sentinel-4f1c"


@pytest.fixture
async def db(dsn: str) -> AsyncIterator[Database]:
    database = Database(dsn)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield database
    finally:
        await database.close()


async def _count(db: Database) -> int:
    async def run(conn: AsyncConnection) -> int:
        return len((await conn.execute(select(things.c.id))).all())

    return await db.read(run)


def _writer(row: dict[str, Any]) -> Any:
    async def write(conn: AsyncConnection) -> None:
        await conn.execute(insert(things).values(id=1, name="first", note="ok", n=1))
        await conn.execute(
            insert(things).values(**{"id": 2, "name": "x", "note": "", "n": 0, **row})
        )

    return write


@pytest.mark.parametrize(
    "row",
    [
        {"note": f"{SECRET}\ud800"},
        {"note": f"{SECRET}\x00"},
        {"n": 2**70},
    ],
    ids=["surrogate", "nul", "int-overflow"],
)
async def test_unstorable_values_are_invalid_and_roll_back(
    db: Database, row: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Invalid) as info:
        await db.transaction(_writer(row))
    assert SECRET not in info.value.reason
    assert await _count(db) == 0  # the first insert of the transaction was rolled back too
    assert SECRET not in caplog.text


async def test_over_long_varchar_is_invalid_on_postgres(db: Database) -> None:
    """PostgreSQL refuses (22001); SQLite keeps the value, which validation must stop first."""
    if db.dialect == "sqlite":
        await db.transaction(_writer({"name": "n" * 9}))
        assert await _count(db) == 2
        return
    with pytest.raises(Invalid, match="22001"):
        await db.transaction(_writer({"name": "n" * 9}))
    assert await _count(db) == 0


async def test_sqlalchemy_errors_hide_their_parameters(db: Database) -> None:
    async def bad(conn: AsyncConnection) -> None:
        await conn.exec_driver_sql(
            "SELECT * FROM nowhere WHERE x = ?"
            if db.dialect == "sqlite"
            else "SELECT * FROM nowhere WHERE x = $1",
            (SECRET,),
        )

    with pytest.raises(Exception) as info:
        await db.transaction(bad)
    assert SECRET not in str(info.value)


def test_other_errors_are_not_data_errors() -> None:
    assert data_error_code(ValueError("x")) is None
    assert as_invalid(RuntimeError("x")) is None
    assert data_error_code(UnicodeEncodeError("utf-8", "\ud800", 0, 1, "x")) == "UnicodeEncodeError"
