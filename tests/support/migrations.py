"""Helpers for migration tests: schema snapshots, literal fixture SQL, upgrade runs.

``describe`` reflects a live database into plain, comparable data (columns with
their dialect's type names, nullability and defaults; primary, foreign, unique
and check constraints; indexes with their columns, ordering and predicates), so
two databases can be compared with ``==`` on each dialect.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, MetaData, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.storage.database import Database
from roost.storage.migrate import Migration, Migrator

BOOKKEEPING = "roost_schema_migrations"
UUIDS_AS_TEXT = "20261206900001"
"""Every service's ``uuids_as_text`` step: rows written from it on use the dashed form."""


def _plain(items: Sequence[Any], conn: Connection) -> list[str]:
    def norm(item: Any) -> Any:
        if isinstance(item, dict):
            return {k: norm(v) for k, v in item.items() if k != "comment"}
        if isinstance(item, (list, tuple)):
            return [norm(v) for v in item]
        if hasattr(item, "compile"):
            return str(item.compile(dialect=conn.dialect))
        return item

    return sorted(json.dumps(norm(i), sort_keys=True, default=str) for i in items)


def _table(conn: Connection, name: str) -> dict[str, Any]:
    insp = inspect(conn)
    columns = {c["name"]: _plain([c], conn)[0] for c in insp.get_columns(name)}
    described: dict[str, Any] = {
        "columns": columns,
        "pk": _plain([insp.get_pk_constraint(name)], conn),
        "fks": _plain(insp.get_foreign_keys(name), conn),
        "indexes": _plain(insp.get_indexes(name), conn),
        "uniques": _plain(insp.get_unique_constraints(name), conn),
        "checks": _plain(insp.get_check_constraints(name), conn),
    }
    if conn.dialect.name == "sqlite":
        # The index DDL as SQLite keeps it: shows partial-index predicates and DESC.
        rows = conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"),
            {"t": name},
        )
        described["index_sql"] = sorted((r[0], r[1]) for r in rows if r[1])
    return described


def _describe(conn: Connection) -> dict[str, Any]:
    names = sorted(n for n in inspect(conn).get_table_names() if n != BOOKKEEPING)
    return {name: _table(conn, name) for name in names}


async def describe(db: Database) -> dict[str, Any]:
    """Every table of the database (but the bookkeeping table), reflected."""
    async with db.autocommit.connect() as conn:
        return await conn.run_sync(_describe)


async def describe_metadata(dsn: str, metadata: MetaData) -> dict[str, Any]:
    """The schema ``metadata.create_all`` gives an empty database at ``dsn``."""
    db = Database(dsn)
    try:
        async with db.autocommit.connect() as conn:
            await conn.run_sync(metadata.create_all)
        return await describe(db)
    finally:
        await db.close()


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Readable differences between two ``describe`` results (empty when equal)."""
    out = [f"table {t} only in one" for t in sorted(set(a) ^ set(b))]
    for t in sorted(set(a) & set(b)):
        for part in a[t]:
            if a[t][part] != b[t][part]:
                out.append(f"{t}.{part}: {a[t][part]!r} != {b[t][part]!r}")
    return out


@dataclass(frozen=True)
class Lit:
    """SQL literals as Roost's code stored values on one dialect, in one era: on SQLite
    ``Uuid`` was 32 hex digits before the ``uuids_as_text`` steps and is the dashed
    36-character form since (decision 0026); booleans are 0/1 there."""

    dialect: str
    dashed_uuids: bool = False

    def uuid(self, value: uuid.UUID | str) -> str:
        u = value if isinstance(value, uuid.UUID) else uuid.UUID(value)
        old_sqlite = self.dialect == "sqlite" and not self.dashed_uuids
        return f"'{u.hex}'" if old_sqlite else f"'{u}'"

    def bool(self, value: bool) -> str:
        if self.dialect == "sqlite":
            return "1" if value else "0"
        return "true" if value else "false"

    def json(self, value: Any) -> str:
        return "'" + json.dumps(value, separators=(",", ":")).replace("'", "''") + "'"

    @staticmethod
    def ts(value: str) -> str:
        """A timestamp written as SQLAlchemy writes ``DateTime`` on SQLite."""
        return f"'{value}.000000'"


Fixture = Callable[[Lit], list[str]]


async def migrate_with_rows(
    db: Database,
    service: str,
    migrations: Sequence[Migration],
    fixtures: dict[str, Fixture],
    stop: str,
) -> None:
    """Migrate to ``stop``, write each earlier step's fixture rows, then migrate to head."""
    migrator = Migrator(db, service, migrations)
    await migrator.up(to=stop)
    lit = Lit(db.dialect, dashed_uuids=stop >= UUIDS_AS_TEXT)
    await execute(db, *[sql for v, f in sorted(fixtures.items()) if v <= stop for sql in f(lit)])
    await migrator.up()
    assert not await migrator.pending()


async def execute(db: Database, *statements: str) -> None:
    """Literal SQL in one transaction (fixture rows, test-only edits)."""

    async def run(conn: AsyncConnection) -> None:
        for sql in statements:
            await conn.execute(text(sql))

    await db.transaction(run)
