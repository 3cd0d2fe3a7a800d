"""Hand-written SQL for the hottest statements (see docs/decisions/0002).

The token endpoint reads a client and writes an access-token row, and
introspection reads an access-token row, on every request; SQLAlchemy's
statement machinery costs more CPU than the query. Reads go through
``Database.raw_reader`` with driver placeholders, and the row is normalized
here to what SQLAlchemy would have returned (SQLite keeps UUIDs as 32 hex
digits, timestamps and JSON as text, booleans as 0/1). The one write,
:class:`RawInsert`, goes through ``Database.raw_write`` and binds values with
SQLAlchemy's own per-dialect bind processors, so its rows are the same bytes
SQLAlchemy would have stored.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Table

from roost.storage.database import Database
from roost.storage.raw import converters, normalized


class RawTable:
    """Reads of every column of one table, scoped to a network, on the raw driver."""

    def __init__(self, db: Database, table: Table, nid: uuid.UUID) -> None:
        self.db = db
        self.table = table.name
        self.names = [c.name for c in table.columns]
        self.converters = converters(table.columns, db.dialect)
        self.pg = db.dialect != "sqlite"
        self.nid: Any = nid if self.pg else nid.hex

    def _row(self, raw: Any) -> dict[str, Any]:
        return dict(zip(self.names, normalized(raw, self.converters), strict=True))

    def sql(self, where: list[str]) -> str:
        """``SELECT`` of every column where ``nid`` and each ``where`` column equal parameters."""
        conds = ["nid", *where]
        marks = [f"${i + 1}" if self.pg else "?" for i in range(len(conds))]
        parts = [f"{c} = {m}" for c, m in zip(conds, marks, strict=True)]
        return (
            f"SELECT {', '.join(self.names)} FROM {self.table} "  # noqa: S608 - fixed identifiers
            f"WHERE {' AND '.join(parts)}"
        )

    async def fetch(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        async with self.db.raw_reader() as run:
            rows = await run(sql, (self.nid, *params))
        return [self._row(r) for r in rows]


class KeyLookup(RawTable):
    """``SELECT <every column> FROM table WHERE nid = ? AND <key> = ?``."""

    def __init__(self, db: Database, table: Table, key: str, nid: uuid.UUID) -> None:
        super().__init__(db, table, nid)
        self.by_key = self.sql([key])

    async def get(self, key: str) -> dict[str, Any] | None:
        rows = await self.fetch(self.by_key, [key])
        return rows[0] if rows else None


class RawInsert:
    """``INSERT INTO table (every column) VALUES (...) ON CONFLICT DO NOTHING``.

    Ignoring a conflict on the primary key makes the statement idempotent, so
    ``raw_write`` may retry it after an ambiguous commit (SQLSTATE 40003): a
    retry that finds its own row does nothing. Callers insert rows whose key
    is unique by construction (a hash of 32 random bytes).
    """

    def __init__(self, db: Database, table: Table) -> None:
        self.db = db
        self.names = [c.name for c in table.columns]
        dialect = db.engine.dialect
        self.binders = [
            (i, bind)
            for i, c in enumerate(table.columns)
            if (bind := c.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        ]
        pg = db.dialect != "sqlite"
        marks = ", ".join(f"${i + 1}" if pg else "?" for i in range(len(self.names)))
        self.sql = (
            f"INSERT INTO {table.name} ({', '.join(self.names)}) "  # noqa: S608 - fixed identifiers
            f"VALUES ({marks}) ON CONFLICT DO NOTHING"
        )

    def params(self, row: dict[str, Any]) -> list[Any]:
        """The row's values in column order; every column must be given."""
        values = [row[name] for name in self.names]
        for i, bind in self.binders:
            values[i] = bind(values[i])
        return values

    async def insert(self, row: dict[str, Any]) -> None:
        await self.db.raw_write(self.sql, self.params(row), idempotent=True)
