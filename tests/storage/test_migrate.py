"""The migration runner on every backend: steps add tables, columns and indexes; up to a
version, down by steps, re-runs that change nothing, and a shared table left alone."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Uuid, text

from roost.storage.database import Database
from roost.storage.ddl import Schema
from roost.storage.migrate import Migration, Migrator
from tests.conftest import new_dsn
from tests.support.migrations import Lit, describe, describe_metadata, differences, execute


def _notes(s: Schema) -> None:
    s.create_table(
        "notes",
        Column("id", Uuid, primary_key=True),
        Column("body", String(100), nullable=False),
    )


def _drop_notes(s: Schema) -> None:
    s.drop_table("notes")


def _add_author(s: Schema) -> None:
    s.add_column("notes", Column("author", String(64), nullable=False, server_default="anon"))


def _drop_author(s: Schema) -> None:
    s.drop_column("notes", "author")


def _index_author(s: Schema) -> None:
    s.create_index("notes_author_idx", "notes", ["author", "body DESC"])
    s.create_index("notes_body_uq_idx", "notes", ["body"], unique=True, where="author <> 'anon'")


def _drop_author_index(s: Schema) -> None:
    s.drop_index("notes", "notes_body_uq_idx")
    s.drop_index("notes", "notes_author_idx")


def _tags(s: Schema) -> None:
    s.create_table("tags", Column("name", String(32), primary_key=True), Column("n", Integer))


def _drop_tags(s: Schema) -> None:
    s.drop_table("tags")


STEPS = [
    Migration("0001", "notes", _notes, _drop_notes),
    Migration("0002", "notes_author", _add_author, _drop_author),
    Migration("0003", "notes_author_idx", _index_author, _drop_author_index),
    Migration("0004", "tags", _tags, _drop_tags),
]

_meta = MetaData()
_expected_notes = Table(
    "notes",
    _meta,
    Column("id", Uuid, primary_key=True),
    Column("body", String(100), nullable=False),
    Column("author", String(64), nullable=False, server_default="anon"),
)


def test_steps_add_columns_indexes_and_tables_and_come_back_down(dsn: str) -> None:
    async def run() -> None:
        db = Database(dsn)
        try:
            migrator = Migrator(db, "test", STEPS)
            assert [m.version for m in await migrator.up(to="0002")] == ["0001", "0002"]
            note = Lit(db.dialect).uuid(uuid.uuid4())
            await execute(db, f"INSERT INTO notes (id, body) VALUES ({note}, 'old')")
            assert [m.version for m in await migrator.up()] == ["0003", "0004"]
            async with db.engine.connect() as conn:
                row = (await conn.execute(text("SELECT body, author FROM notes"))).one()
            assert tuple(row) == ("old", "anon")
            schema = await describe(db)
            assert set(schema) == {"notes", "tags"}
            indexes = "".join(schema["notes"]["indexes"])
            assert "notes_author_idx" in indexes and "notes_body_uq_idx" in indexes
            assert [m.version for m in await migrator.down(2)] == ["0004", "0003"]
            assert [s.applied for s in await migrator.status()] == [True, True, False, False]
            assert set(await describe(db)) == {"notes"}
            assert [m.version for m in await migrator.down(5)] == ["0002", "0001"]
            assert await describe(db) == {}
        finally:
            await db.close()

    asyncio.run(run())


def test_an_added_column_matches_a_table_declared_with_it(
    dsn: str, backend: str, tmp_path: Path
) -> None:
    async def run() -> None:
        db = Database(dsn)
        try:
            await Migrator(db, "test", STEPS[:2]).up()
            got = await describe(db)
        finally:
            await db.close()
        want = await describe_metadata(new_dsn(backend, tmp_path), _meta)
        assert differences(got, want) == []

    asyncio.run(run())


def test_steps_rerun_when_bookkeeping_was_lost(dsn: str) -> None:
    """A crash between a step's DDL and its bookkeeping row: the step just runs again."""

    async def run() -> None:
        db = Database(dsn)
        try:
            migrator = Migrator(db, "test", STEPS)
            await migrator.up()
            before = await describe(db)
            await execute(db, "DELETE FROM roost_schema_migrations")
            assert len(await migrator.up()) == len(STEPS)
            assert await describe(db) == before
            await execute(db, "DELETE FROM roost_schema_migrations WHERE version = '0004'")
            await migrator.up()
            assert len(await migrator.down(1)) == 1
        finally:
            await db.close()

    asyncio.run(run())


def test_a_table_another_service_uses_survives_down(dsn: str) -> None:
    def networks(s: Schema) -> None:
        s.create_table("networks", Column("id", Uuid, primary_key=True))

    def drop(s: Schema) -> None:
        s.drop_shared_table("networks")

    steps = [Migration("0001", "networks", networks, drop)]

    async def run() -> None:
        db = Database(dsn)
        try:
            one, two = Migrator(db, "one", steps), Migrator(db, "two", steps)
            await one.up()
            await two.up()
            await one.down(1)
            assert set(await describe(db)) == {"networks"}
            await two.down(1)
            assert await describe(db) == {}
        finally:
            await db.close()

    asyncio.run(run())


def test_bad_targets_are_refused(dsn: str) -> None:
    async def run() -> None:
        db = Database(dsn)
        try:
            migrator = Migrator(db, "test", STEPS)
            with pytest.raises(ValueError, match="no migration"):
                await migrator.up(to="9999")
            with pytest.raises(ValueError, match="at least 1"):
                await migrator.down(0)
            with pytest.raises(ValueError, match="share a version"):
                Migrator(db, "test", [*STEPS, STEPS[0]])
            assert await describe(db) == {}
        finally:
            await db.close()

    asyncio.run(run())


def test_the_schema_comparison_sees_types_nullability_defaults_and_indexes(
    dsn: str, backend: str, tmp_path: Path
) -> None:
    """What the per-service ``tables.py`` checks rely on: each kind of drift is reported."""
    drifted = MetaData()
    Table(
        "notes",
        drifted,
        Column("id", Uuid, primary_key=True),
        Column("body", String(101), nullable=False),
        Column("author", String(64), nullable=True, server_default="someone"),
        Index("notes_body_idx", "body"),
    )

    async def run() -> None:
        db = Database(dsn)
        try:
            await Migrator(db, "test", STEPS[:2]).up()
            got = await describe(db)
        finally:
            await db.close()
        found = differences(got, await describe_metadata(new_dsn(backend, tmp_path), drifted))
        assert [d.split(":")[0] for d in found] == ["notes.columns", "notes.indexes"] + (
            ["notes.index_sql"] if backend == "sqlite" else []
        )
        assert "101" in found[0] and "someone" in found[0] and "notes_body_idx" in found[1]

    asyncio.run(run())
