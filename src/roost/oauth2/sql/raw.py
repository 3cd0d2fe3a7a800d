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
        return next(iter(self.rows(rows)), None)

    def rows(self, raw_rows: list[Any]) -> list[dict[str, Any]]:
        """Driver rows of every column (in ``names`` order) as dicts, this network's only."""
        out = []
        for raw in raw_rows:
            row = dict(zip(self.names, normalized(raw, self.converters), strict=True))
            if row["nid"] == self.nid:
                out.append(row)
        return out


class RawInsert:
    """``INSERT INTO table (every column) VALUES (...) ON CONFLICT DO NOTHING``.

    Ignoring a conflict on the primary key makes the statement idempotent, so
    ``raw_write`` may retry it after an ambiguous commit (SQLSTATE 40003): a
    retry that finds its own row does nothing. Callers insert rows whose key
    is unique by construction (a hash of 32 random bytes).
    """

    def __init__(self, db: Database, table: Table, *, replace_on: str = "") -> None:
        """``replace_on`` (a primary-key column) makes it an upsert: a row with the same
        key is overwritten (``ON CONFLICT (key) DO UPDATE``), which is idempotent too."""
        self.db = db
        self.names = [c.name for c in table.columns]
        self.binders = _binders(db, table.columns)
        marks = self.marks = ", ".join(_marks(db, len(self.names)))
        action = "DO NOTHING"
        if replace_on:
            sets = ", ".join(f"{n} = excluded.{n}" for n in self.names if n != replace_on)
            action = f"({replace_on}) DO UPDATE SET {sets}"
        self.sql = (
            f"INSERT INTO {table.name} ({', '.join(self.names)}) "  # noqa: S608 - fixed identifiers
            f"VALUES ({marks}) ON CONFLICT {action}"
        )

    def params(self, row: dict[str, Any]) -> list[Any]:
        """The row's values in column order; every column must be given."""
        values = [row[name] for name in self.names]
        for i, bind in self.binders:
            values[i] = bind(values[i])
        return values

    async def insert(self, row: dict[str, Any]) -> None:
        await self.db.raw_write(self.sql, self.params(row), idempotent=True)


async def insert_together(db: Database, rows: list[tuple[RawInsert, dict[str, Any]]]) -> None:
    """Several rows, all or none, idempotently (each insert ignores its key's conflict).

    On PostgreSQL (and CockroachDB) one statement — the inserts as data-modifying
    CTEs before the last — so one round trip instead of BEGIN, one per row and
    COMMIT; a statement is atomic by itself. SQLite, in-process, runs them in one
    transaction (``Database.raw_transaction``).
    """
    if db.dialect == "sqlite":
        await db.raw_transaction([(i.sql, i.params(r)) for i, r in rows], idempotent=True)
        return
    parts: list[str] = []
    params: list[Any] = []
    for insert, row in rows:
        values = insert.params(row)
        marks = ", ".join(f"${len(params) + i + 1}" for i in range(len(values)))
        parts.append(insert.sql.replace(insert.marks, marks))
        params.extend(values)
    ctes = ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(parts[:-1]))
    await db.raw_write(f"WITH {ctes} {parts[-1]}", params, idempotent=True)


class GuardedUpdate:
    """``UPDATE table SET <every other column> WHERE key = ? AND guard IN (...)``.

    One autocommit statement: the row is rewritten only while ``guard`` holds
    one of the expected values, and the answer says whether it did
    (``RETURNING``), so of two concurrent writers from the same state exactly
    one wins. ``nid`` is never written and not in the WHERE clause, for the
    plan's sake (see :class:`KeyLookup`): callers pass a key they read from
    their own network, and keys are unique across networks (random).
    Not idempotent: a retried statement would find its own write and answer
    False, so an ambiguous commit is an error, not a retry.
    """

    def __init__(self, db: Database, table: Table, key: str, guard: str) -> None:
        self.db = db
        self.table = table.name
        self.key = key
        self.guard = guard
        columns = [c for c in table.columns if c.name not in (key, "nid")]
        self.names = [c.name for c in columns]
        self.binders = _binders(db, columns)
        self._sql: dict[int, str] = {}

    def _statement(self, guards: int) -> str:
        sql = self._sql.get(guards)
        if sql is None:
            marks = _marks(db=self.db, count=len(self.names) + guards + 1)
            sets = ", ".join(f"{n} = {m}" for n, m in zip(self.names, marks, strict=False))
            key, ins = marks[len(self.names)], ", ".join(marks[len(self.names) + 1 :])
            sql = self._sql[guards] = (
                f"UPDATE {self.table} SET {sets} "  # noqa: S608 - fixed identifiers
                f"WHERE {self.key} = {key} AND {self.guard} IN ({ins}) RETURNING {self.key}"
            )
        return sql

    async def update(self, key: str, row: dict[str, Any], expected: tuple[Any, ...]) -> bool:
        """Write ``row`` (every column but the key and ``nid``) if the guard is expected."""
        values = [row[name] for name in self.names]
        for i, bind in self.binders:
            values[i] = bind(values[i])
        sql = self._statement(len(expected))
        return bool(await self.db.raw_write(sql, [*values, key, *expected]))


def _binders(db: Database, columns: Any) -> list[tuple[int, Any]]:
    """(position, SQLAlchemy's bind processor) of each column that has one on this dialect."""
    dialect = db.engine.dialect
    return [
        (i, bind)
        for i, c in enumerate(columns)
        if (bind := c.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]


def bound(db: Database, column: Any, value: Any) -> Any:
    """``value`` as SQLAlchemy would bind it for ``column`` on this dialect (a WHERE value)."""
    dialect = db.engine.dialect
    bind = column.type.dialect_impl(dialect).bind_processor(dialect)
    return value if bind is None else bind(value)


def _marks(db: Database, count: int) -> list[str]:
    """The driver's placeholders: ``$1..$n`` for asyncpg, ``?`` for SQLite."""
    pg = db.dialect != "sqlite"
    return [f"${i + 1}" if pg else "?" for i in range(count)]
