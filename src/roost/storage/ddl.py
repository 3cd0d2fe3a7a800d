"""Idempotent schema changes for migration steps, one statement each.

A migration step receives a :class:`Schema` and calls its methods with the
definitions spelled out literally in the step, so that a step never changes
after it has shipped. Every method first looks at the live schema and does
nothing when the change is already there: a step interrupted between its DDL
and its bookkeeping row, or run by two replicas at once, is simply run again
(CockroachDB's rules, docs/decisions/0003). Statements are emitted by Alembic's
``Operations`` on an autocommit connection, so each one commits by itself and
no DDL shares a transaction with another statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Column, Connection, Executable, inspect, text
from sqlalchemy.engine import Inspector
from sqlalchemy.schema import SchemaItem

BOOKKEEPING = "roost_schema_migrations"


class Schema:
    """The schema of one database as a migration step sees it."""

    def __init__(self, conn: Connection, service: str) -> None:
        self.conn = conn
        self.service = service
        self.dialect = conn.dialect.name
        self.op = Operations(MigrationContext.configure(conn))
        """Alembic's operations, for the rare change these methods do not cover
        (for example ``op.batch_alter_table`` where SQLite cannot ALTER); a step
        that uses it directly must check for itself that it can be re-run."""

    def _inspector(self) -> Inspector:
        """A fresh inspector: the schema changes under us, so nothing is cached."""
        return inspect(self.conn)

    def has_table(self, name: str) -> bool:
        return self._inspector().has_table(name)

    def has_column(self, table: str, column: str) -> bool:
        return any(c["name"] == column for c in self._inspector().get_columns(table))

    def has_index(self, table: str, name: str) -> bool:
        return any(i["name"] == name for i in self._inspector().get_indexes(table))

    def create_table(self, name: str, *items: SchemaItem) -> None:
        """``CREATE TABLE`` with its columns and constraints; indexes come separately."""
        if not self.has_table(name):
            self.op.create_table(name, *items, if_not_exists=True)

    def drop_table(self, name: str) -> None:
        if self.has_table(name):
            self.op.drop_table(name, if_exists=True)

    def drop_shared_table(self, name: str) -> None:
        """Drop a table every Ory service creates (``networks``) unless another service uses it.

        Several services may share one database; a table is theirs too while
        any other service has migrations recorded here.
        """
        if self.has_table(BOOKKEEPING):
            others = self.conn.execute(
                text(f"SELECT count(*) FROM {BOOKKEEPING} WHERE service <> :s"),  # noqa: S608
                {"s": self.service},
            ).scalar_one()
            if others:
                return
        self.drop_table(name)

    def create_index(
        self,
        name: str,
        table: str,
        columns: Sequence[str],
        *,
        unique: bool = False,
        where: str | None = None,
    ) -> None:
        """``CREATE INDEX``; ``columns`` may say ``"created_at DESC"``; ``where`` makes it partial
        (PostgreSQL, CockroachDB and SQLite all support partial indexes)."""
        if self.has_index(table, name):
            return
        kw: dict[str, Any] = {}
        if where is not None:
            kw = {"postgresql_where": text(where), "sqlite_where": text(where)}
        cols = [text(c) if " " in c else c for c in columns]
        self.op.create_index(name, table, cols, unique=unique, if_not_exists=True, **kw)

    def drop_index(self, table: str, name: str) -> None:
        if self.has_table(table) and self.has_index(table, name):
            self.op.drop_index(name, table_name=table, if_exists=True)

    def add_column(self, table: str, column: Column[Any]) -> None:
        """``ALTER TABLE ... ADD COLUMN`` (SQLite supports it natively; a new
        NOT NULL column needs a server default there, as everywhere)."""
        if not self.has_column(table, column.name):
            self.op.add_column(table, column)

    def drop_column(self, table: str, column: str) -> None:
        """``ALTER TABLE ... DROP COLUMN`` (SQLite 3.35+; an indexed column's
        indexes must be dropped first)."""
        if self.has_table(table) and self.has_column(table, column):
            self.op.drop_column(table, column)

    def execute(self, statement: Executable, params: Sequence[dict[str, Any]] = ()) -> None:
        """A data statement (seed rows); it must be safe to run twice."""
        if params:
            self.conn.execute(statement, list(params))
        else:
            self.conn.execute(statement)
