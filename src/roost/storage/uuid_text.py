"""The data rewrite behind each service's ``uuids_as_text`` step (docs/decisions/0026).

Frozen like a migration step: steps shipped with it call it, so a different
rewrite would be a new function, never an edit here.

Until that step, SQLite kept every ``Uuid`` column as 32 hex digits; since then
it keeps the API's 36-character form (:mod:`roost.storage.sqlite_uuid`). The
rewrite finds the columns by what the frozen steps declared for ``Uuid`` on
SQLite, ``CHAR(32)`` (no other Roost column is declared so), in every table of
the database, so a table another step added is covered without being named.
Only values of the old form are touched, which makes the rewrite safe to run
twice and leaves rows written in the new form alone. Several services may share
one SQLite file and all run the same code, so whichever service's step runs
first rewrites every table; undoing it waits for the last of them (the
others' tables would otherwise no longer match their code).

Parents and children change in one transaction with foreign-key checks
deferred to its commit: keys and the rows that reference them are rewritten
alike, so the commit finds them consistent. PostgreSQL and CockroachDB keep
native ``UUID`` columns and are not touched.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import CHAR, Connection, inspect, text

from roost.storage.ddl import BOOKKEEPING, Schema

VERSION = "20261206900001"
"""The version every service gives its ``uuids_as_text`` step."""

_HEX = "lower({c})"
_DASHED = (
    "substr({v}, 1, 8) || '-' || substr({v}, 9, 4) || '-' || substr({v}, 13, 4)"
    " || '-' || substr({v}, 17, 4) || '-' || substr({v}, 21, 12)"
)


def _uuid_columns(conn: Connection) -> list[tuple[str, str]]:
    insp = inspect(conn)
    found = []
    for table in insp.get_table_names():
        if table == BOOKKEEPING or table.startswith("sqlite_"):
            continue
        for col in insp.get_columns(table):
            kind = col["type"]
            if isinstance(kind, CHAR) and kind.length == 32:
                found.append((table, col["name"]))
    return found


def _to_dashed(table: str, column: str) -> str:
    c = f'"{column}"'
    value = _DASHED.format(v=_HEX.format(c=c))
    return (
        f'UPDATE "{table}" SET {c} = {value}'  # noqa: S608 - reflected identifiers, quoted
        f" WHERE length({c}) = 32 AND {c} NOT GLOB '*[^0-9a-fA-F]*'"
    )


def _to_hex(table: str, column: str) -> str:
    c = f'"{column}"'
    return (
        f"UPDATE \"{table}\" SET {c} = replace({c}, '-', '')"  # noqa: S608 - reflected, quoted
        f" WHERE length({c}) = 36"
    )


def uuids_to_text(schema: Schema) -> None:
    """``up``: every old-form UUID in the SQLite database becomes the API's form."""
    if schema.dialect != "sqlite":
        return
    _run(schema, _to_dashed)


def uuids_to_hex(schema: Schema) -> None:
    """``down``: back to 32 hex digits, once no other service still has the step applied."""
    if schema.dialect != "sqlite":
        return
    others = schema.conn.execute(
        text(f"SELECT count(*) FROM {BOOKKEEPING} WHERE service <> :s AND version = :v"),  # noqa: S608
        {"s": schema.service, "v": VERSION},
    ).scalar_one()
    if not others:
        _run(schema, _to_hex)


def _run(schema: Schema, build: Callable[[str, str], str]) -> None:
    conn = schema.conn
    columns = _uuid_columns(conn)
    if not columns:
        return
    # the step's connection is in autocommit: this transaction is the driver's own
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for table, column in columns:
            conn.exec_driver_sql(build(table, column))
        conn.exec_driver_sql("COMMIT")
    except BaseException:
        conn.exec_driver_sql("ROLLBACK")
        raise
