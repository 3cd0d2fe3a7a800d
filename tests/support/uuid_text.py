"""Read a SQLite database's UUID columns straight from the file, as ``sqlite3`` shows them."""

from __future__ import annotations

import re
import sqlite3

from roost.storage.dsn import parse_dsn

API_FORM = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def sqlite_file(dsn: str) -> str:
    """The file of a SQLite DSN, as Roost reads it."""
    path = parse_dsn(dsn).sqlite_path
    assert path is not None and path != ":memory:"
    return path


def uuid_values(path: str) -> dict[tuple[str, str], list[str]]:
    """Every value of every ``Uuid`` column (declared ``CHAR(32)`` by the frozen steps)."""
    out: dict[tuple[str, str], list[str]] = {}
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for col in conn.execute(f'PRAGMA table_info("{table}")'):
                if col[2].upper() == "CHAR(32)":
                    rows = conn.execute(f'SELECT "{col[1]}" FROM "{table}"')
                    out[(table, col[1])] = [r[0] for r in rows if r[0] is not None]
    return out


def not_in_api_form(path: str) -> list[tuple[str, str, str]]:
    """(table, column, value) for each UUID value not stored as the API writes it."""
    return [
        (t, c, v)
        for (t, c), values in uuid_values(path).items()
        for v in values
        if not (isinstance(v, str) and API_FORM.fullmatch(v))
    ]


def query(path: str, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute(sql, params))
