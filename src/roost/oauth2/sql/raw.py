"""Hand-written SQL for the hottest statements (see docs/decisions/0002).

The token endpoint reads a client and writes an access-token row, and
introspection reads an access-token row, on every request; SQLAlchemy's
statement machinery costs more CPU than the query. Reads go through
``Database.raw_reader`` with driver placeholders, and the row is normalized
here to what SQLAlchemy would have returned (SQLite keeps UUIDs as text,
timestamps and JSON as text, booleans as 0/1). The one write,
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


class KeyLookup:
    """``SELECT <every column> FROM table WHERE <key> = ?``, kept to one network in Python.

    ``key`` must lead the table's primary key (a token signature; a client id,
    unique per network). The statement names the key alone: the hot pool plans
    generically, and with ``nid = $1`` beside it PostgreSQL's generic plan on a
    table without statistics walked the ``(nid, expires_at)`` index over the
    whole network and filtered on the signature (seen with EXPLAIN; see also
    docs/decisions/identity-0002). By the key alone the only plan is the
    primary-key index; rows of other networks are skipped here.
    """

    def __init__(self, db: Database, table: Table, key: str, nid: uuid.UUID) -> None:
        self.db = db
        self.nid = nid
        self.names = [c.name for c in table.columns]
        self.converters = converters(table.columns, db.dialect)
        mark = "$1" if db.dialect != "sqlite" else "?"
        self.by_key = (
            f"SELECT {', '.join(self.names)} FROM {table.name} "  # noqa: S608 - fixed identifiers
            f"WHERE {key} = {mark}"
        )

    async def get(self, key: str) -> dict[str, Any] | None:
        async with self.db.raw_reader() as run:
            rows = await run(self.by_key, (key,))
        for raw in rows:
            row = dict(zip(self.names, normalized(raw, self.converters), strict=True))
            if row["nid"] == self.nid:
                return row
        return None


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
