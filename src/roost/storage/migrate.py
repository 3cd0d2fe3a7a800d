"""A small migration runner made for CockroachDB's rules.

Each step is a pair of frozen, idempotent changes (``up`` and ``down``) written
against :class:`roost.storage.ddl.Schema` with their definitions spelled out in
the step itself, never taken from today's tables. Steps run outside any
transaction, one schema change per statement, and are recorded afterwards in
``roost_schema_migrations``. A crash between the DDL and the bookkeeping row
just re-runs the (harmless) step, and replicas that start together may both
run a step without harm. See docs/decisions/0003 and
docs/decisions/0009-migrations-frozen-per-step.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Connection, DateTime, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.storage.database import Database
from roost.storage.ddl import BOOKKEEPING, Schema

Change = Callable[[Schema], None]

_meta = MetaData()
schema_migrations = Table(
    BOOKKEEPING,
    _meta,
    Column("service", String(64), primary_key=True),
    Column("version", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("applied_at", DateTime, nullable=False),
)


def _nothing(_schema: Schema) -> None:
    """The down of a step with nothing to undo."""


@dataclass(frozen=True)
class Migration:
    """One step: ``version`` sorts lexically (timestamps); ``up`` applies it, ``down`` undoes it."""

    version: str
    name: str
    up: Change
    down: Change = _nothing


@dataclass(frozen=True)
class MigrationStatus:
    version: str
    name: str
    applied: bool


class Migrator:
    """Applies and rolls back a service's migrations on its database."""

    def __init__(self, db: Database, service: str, migrations: Sequence[Migration]) -> None:
        self.db = db
        self.service = service
        self.migrations = sorted(migrations, key=lambda m: m.version)
        if len({m.version for m in self.migrations}) != len(self.migrations):
            raise ValueError(f"{service}: two migrations share a version")

    async def _applied(self) -> set[str]:
        async def run(conn: AsyncConnection) -> set[str]:
            await conn.run_sync(_create_bookkeeping)
            rows = await conn.execute(
                select(schema_migrations.c.version).where(
                    schema_migrations.c.service == self.service
                )
            )
            return {r[0] for r in rows}

        return await self.db.read(run)

    async def status(self) -> list[MigrationStatus]:
        applied = await self._applied()
        return [MigrationStatus(m.version, m.name, m.version in applied) for m in self.migrations]

    async def pending(self) -> list[Migration]:
        applied = await self._applied()
        return [m for m in self.migrations if m.version not in applied]

    async def up(self, to: str | None = None) -> list[Migration]:
        """Apply every pending step in order (up to and including version ``to``)."""
        if to is not None and to not in {m.version for m in self.migrations}:
            raise ValueError(f"{self.service}: no migration with version {to}")
        done = []
        for migration in await self.pending():
            if to is not None and migration.version > to:
                break
            await self.db.read(self._runner(migration, migration.up, self._record))
            done.append(migration)
        return done

    async def down(self, steps: int) -> list[Migration]:
        """Undo the last ``steps`` applied steps, newest first; returns the steps undone."""
        if steps < 1:
            raise ValueError("steps must be at least 1")
        applied = await self._applied()
        undo = [m for m in reversed(self.migrations) if m.version in applied][:steps]
        for migration in undo:
            await self.db.read(self._runner(migration, migration.down, self._forget))
        return undo

    def _runner(
        self,
        m: Migration,
        change: Change,
        book: Callable[[AsyncConnection, Migration], Awaitable[None]],
    ) -> Callable[[AsyncConnection], Awaitable[None]]:
        async def run(conn: AsyncConnection) -> None:
            await conn.run_sync(lambda sync: change(Schema(sync, self.service)))
            await book(conn, m)

        return run

    async def _record(self, conn: AsyncConnection, m: Migration) -> None:
        exists = await conn.execute(
            select(schema_migrations.c.version).where(
                schema_migrations.c.service == self.service,
                schema_migrations.c.version == m.version,
            )
        )
        if exists.first() is None:
            await conn.execute(
                schema_migrations.insert().values(
                    service=self.service,
                    version=m.version,
                    name=m.name,
                    applied_at=datetime.now(UTC).replace(tzinfo=None),
                )
            )

    async def _forget(self, conn: AsyncConnection, m: Migration) -> None:
        await conn.execute(
            schema_migrations.delete().where(
                schema_migrations.c.service == self.service,
                schema_migrations.c.version == m.version,
            )
        )


def _create_bookkeeping(conn: Connection) -> None:
    schema_migrations.create(conn, checkfirst=True)
