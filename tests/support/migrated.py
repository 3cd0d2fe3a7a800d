"""Databases already at a service's schema head: copies of one template migrated per run.

Store and engine tests need a database at head, not the migration itself: the
migration tests (``tests/<service>/test_migrations.py``, ``tests/support/migrations.py``)
run every step on an empty database. Migrating a fresh database for each of the
hundreds of conformance cases cost 0.3-1 s each on PostgreSQL; a copy costs a few
milliseconds: ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL, SQLite's backup API
on SQLite. The copy is a new database of its own, so tests stay independent; the
caller still runs the service's migrator, which finds nothing pending.
"""

from __future__ import annotations

import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from roost.storage.database import Database
from roost.storage.dsn import parse_dsn
from roost.storage.migrate import Migration, Migrator
from tests.support.pg import create_database, database_name, run_blocking


class Templates:
    """One migrated template per (backend, service) for a test run, copied on demand."""

    def __init__(self, empty: Callable[[str, Path], str], admin_dsn: Callable[[], str]) -> None:
        self._empty = empty  # (backend, folder) -> the DSN of a new, empty database
        self._admin_dsn = admin_dsn
        self._made: dict[tuple[str, str], str] = {}
        self._folder: tempfile.TemporaryDirectory[str] | None = None  # SQLite's templates

    def copy(self, backend: str, service: str, migrations: Sequence[Migration], tmp: Path) -> str:
        """The DSN of a new database on ``backend`` at ``service``'s head (SQLite's in ``tmp``)."""
        template = self._made.get((backend, service))
        if template is None:
            template = _migrate(self._empty(backend, self._own_folder()), service, migrations)
            self._made[(backend, service)] = template
        if backend == "sqlite":
            tmp.mkdir(parents=True, exist_ok=True)
            return _copy_sqlite(template, tmp / f"roost-{uuid.uuid4().hex[:8]}.sqlite")
        return create_database(self._admin_dsn(), template=database_name(template))

    def _own_folder(self) -> Path:
        """A folder no test owns (removed when the run ends), made on first use."""
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="roost-templates-")
        return Path(self._folder.name)


def _migrate(dsn: str, service: str, migrations: Sequence[Migration]) -> str:
    async def run() -> None:
        db = Database(dsn)
        try:
            await Migrator(db, service, migrations).up()
        finally:
            await db.close()  # PostgreSQL copies a template only while nobody is connected

    run_blocking(run)
    return dsn


def _copy_sqlite(template: str, target: Path) -> str:
    source = sqlite3.connect(str(parse_dsn(template).sqlite_path))
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # includes what still sits in the WAL file
        finally:
            copy.close()
    finally:
        source.close()
    return f"sqlite:///{target}"
