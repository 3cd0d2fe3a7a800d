"""A small migration runner made for CockroachDB's rules.

Each step is idempotent DDL (``IF NOT EXISTS``-style, via SQLAlchemy's
``checkfirst``) run outside any transaction, one schema change at a time, and
recorded afterwards in ``roost_schema_migrations``. A crash between the DDL and
the bookkeeping row just re-runs the (harmless) step, and replicas that start
together may both run a step without harm. See docs/decisions/0003.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Connection, DateTime, Index, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.storage.database import Database

Step = Callable[[AsyncConnection, str], Awaitable[None]]

_meta = MetaData()
schema_migrations = Table(
    "roost_schema_migrations",
    _meta,
    Column("service", String(64), primary_key=True),
    Column("version", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("applied_at", DateTime, nullable=False),
)


@dataclass(frozen=True)
class Migration:
    """One step: ``version`` sorts lexically (timestamps), ``run`` gets the dialect name."""

    version: str
    name: str
    run: Step


@dataclass(frozen=True)
class MigrationStatus:
    version: str
    name: str
    applied: bool


class Migrator:
    """Applies a service's migrations to its database."""

    def __init__(self, db: Database, service: str, migrations: Sequence[Migration]) -> None:
        self.db = db
        self.service = service
        self.migrations = sorted(migrations, key=lambda m: m.version)

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

    async def up(self) -> list[Migration]:
        """Apply every pending step in order; returns the steps applied."""
        done = []
        for migration in await self.pending():
            await self.db.read(self._runner(migration))
            done.append(migration)
        return done

    def _runner(self, m: Migration) -> Callable[[AsyncConnection], Awaitable[None]]:
        async def run(conn: AsyncConnection) -> None:
            await m.run(conn, self.db.dialect)
            await self._record(conn, m)

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


def _create_bookkeeping(conn: Connection) -> None:
    schema_migrations.create(conn, checkfirst=True)


def create_indexes(*indexes: Index) -> Step:
    """A step that adds indexes to existing tables if they do not exist yet."""

    def create(conn: Connection) -> None:
        for index in indexes:
            index.create(conn, checkfirst=True)

    async def run(conn: AsyncConnection, _dialect: str) -> None:
        await conn.run_sync(create)

    return run


def create_tables(*tables: Table) -> Step:
    """A step that creates tables and their indexes if they do not exist yet."""

    def create(conn: Connection) -> None:
        for table in tables:
            table.create(conn, checkfirst=True)

    async def run(conn: AsyncConnection, _dialect: str) -> None:
        await conn.run_sync(create)

    return run
