"""UUIDs on SQLite as the APIs write them: 36 lower-case characters with dashes.

SQLAlchemy's ``Uuid`` keeps UUIDs on a database without a native type as 32
hex digits, so a row read with ``sqlite3`` showed ids that matched nothing the
API returned (issue 9, item 8). Kratos keeps them on SQLite as the 36-character
text form, and so do we (docs/decisions/0026). PostgreSQL and CockroachDB keep
their native ``UUID`` type; nothing here touches them.

The change sits behind the type name every table already uses: the SQLite
engine's dialect maps ``Uuid`` to :class:`DashedUuid` (:func:`install`), so
tables, frozen migration steps and statements keep saying ``Uuid``. The
declared column type stays what the frozen steps wrote (``CHAR(32)``): SQLite
never enforces a length, and rewriting every table's DDL would be a table
rebuild per table for no behaviour. Hand-written statements bind
:func:`as_text` of a UUID; reads accept both forms (``uuid.UUID`` does).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Uuid
from sqlalchemy.engine import Dialect


def as_text(value: uuid.UUID) -> str:
    """A UUID as SQLite stores it: the API's form (``str(uuid)``), for hand-written SQL."""
    return str(value)


def _dashed(value: Any) -> str:
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


class DashedUuid(Uuid[Any]):
    """``Uuid`` on SQLite: bound and rendered as dashed text, read back from either form."""

    def bind_processor(self, dialect: Dialect) -> Any:
        def process(value: Any) -> Any:
            return None if value is None else _dashed(value)

        return process

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        as_uuid = self.as_uuid

        def process(value: Any) -> Any:
            if value is None or isinstance(value, uuid.UUID):
                return value
            parsed = uuid.UUID(value)
            return parsed if as_uuid else str(parsed)

        return process

    def literal_processor(self, dialect: Dialect) -> Any:
        def process(value: Any) -> str:
            return f"'{_dashed(value)}'"

        return process


def install(dialect: Dialect) -> None:
    """Make ``dialect`` (a SQLite engine's, before its first statement) store dashed UUIDs."""
    dialect.colspecs = {**dialect.colspecs, Uuid: DashedUuid}
