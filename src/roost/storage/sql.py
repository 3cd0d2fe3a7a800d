"""Small SQL helpers that differ by dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring_conflicts(table: Table, dialect: str) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the dialect (CockroachDB speaks PostgreSQL's)."""
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    return postgresql.insert(table).on_conflict_do_nothing()


def padded(items: list[Any]) -> list[Any]:
    """Pad a non-empty IN-list to a power of two by repeating its last item.

    Prepared statements are cached by SQL text; padding keeps the number of
    distinct texts logarithmic in the list length.
    """
    size = 1
    while size < len(items):
        size *= 2
    return items + [items[-1]] * (size - len(items))


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def upsert_increment(table: Table, dialect: str, key: dict[str, Any], column: str) -> Any:
    """Insert the row with ``column`` = 1, or add 1 to it: one statement, no read first."""
    module = sqlite if dialect == "sqlite" else postgresql
    stmt = module.insert(table).values(**key, **{column: 1})
    return stmt.on_conflict_do_update(index_elements=list(key), set_={column: table.c[column] + 1})
