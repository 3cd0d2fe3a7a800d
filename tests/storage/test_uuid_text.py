"""The ``uuids_as_text`` rewrite on SQLite: every old-form value of every ``Uuid``
column becomes the API's form, keys and references alike, and back on ``down``."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from pathlib import Path

from sqlalchemy import Column, ForeignKey, String, Uuid

from roost.storage.database import Database
from roost.storage.ddl import Schema
from roost.storage.migrate import Migration, Migrator
from roost.storage.uuid_text import VERSION, uuids_to_hex, uuids_to_text

PARENT, CHILD = uuid.uuid4(), uuid.uuid4()


def _tables(s: Schema) -> None:
    s.create_table("parents", Column("id", Uuid, primary_key=True), Column("name", String(32)))
    s.create_table(
        "children",
        Column("id", Uuid, primary_key=True),
        Column("parent_id", Uuid, ForeignKey("parents.id"), nullable=True),
    )


STEPS = [
    Migration("1", "tables", _tables),
    Migration(VERSION, "uuids_as_text", uuids_to_text, uuids_to_hex),
]


def _rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        parents = conn.execute("SELECT id, name FROM parents").fetchall()
        children = conn.execute("SELECT id, parent_id FROM children ORDER BY id").fetchall()
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    return [*parents, *children]


def test_up_rewrites_keys_and_references_and_down_restores_them(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    orphan = uuid.uuid4()

    async def run() -> None:
        db = Database(f"sqlite:///{path}")
        try:
            migrator = Migrator(db, "svc", STEPS)
            await migrator.up(to="1")
            with sqlite3.connect(path) as conn:  # rows as Roost wrote them before the step
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute(
                    "INSERT INTO parents VALUES (?, ?)", (PARENT.hex, "0123456789abcdef" * 2)
                )
                conn.execute("INSERT INTO children VALUES (?, ?)", (CHILD.hex, PARENT.hex))
                conn.execute("INSERT INTO children VALUES (?, NULL)", (str(orphan),))
            await migrator.up()
            dashed = sorted([(str(CHILD), str(PARENT)), (str(orphan), None)])
            assert _rows(path) == [(str(PARENT), "0123456789abcdef" * 2), *dashed]
            await migrator.down(1)
            hexed = sorted([(CHILD.hex, PARENT.hex), (orphan.hex, None)])
            assert _rows(path) == [(PARENT.hex, "0123456789abcdef" * 2), *hexed]
            await migrator.up()
            await migrator.up()  # nothing pending, and the rewrite itself is idempotent
            assert _rows(path) == [(str(PARENT), "0123456789abcdef" * 2), *dashed]
        finally:
            await db.close()

    asyncio.run(run())


def test_down_waits_for_the_last_service_sharing_the_database(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"

    async def run() -> None:
        db = Database(f"sqlite:///{path}")
        try:
            first, second = Migrator(db, "one", STEPS), Migrator(db, "two", STEPS)
            await first.up(to="1")
            with sqlite3.connect(path) as conn:
                conn.execute("INSERT INTO parents VALUES (?, 'p')", (PARENT.hex,))
            await first.up()
            await second.up()
            await first.down(1)
            assert _rows(path) == [(str(PARENT), "p")]  # "two" still runs on the dashed form
            await second.down(1)
            assert _rows(path) == [(PARENT.hex, "p")]
        finally:
            await db.close()

    asyncio.run(run())
