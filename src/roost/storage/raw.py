"""Rows read on the raw driver (``Database.raw_reader``), made to look like SQLAlchemy's.

Hand-written reads skip SQLAlchemy's result processing, so the driver's own
values come back: SQLite keeps UUIDs as text, timestamps and JSON as
text and booleans as 0/1, while asyncpg already decodes them (JSON through the
codec SQLAlchemy installs on each connection). :func:`converters` gives, for a
list of columns, the conversions that make SQLite's rows look like what
SQLAlchemy would have returned, so the code above the store cannot tell the
paths apart.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, DateTime, Uuid

Convert = Callable[[Any], Any]


def _json(value: Any) -> Any:
    # json, not orjson: SQLAlchemy's own deserializer, which keeps huge integers exact
    return json.loads(value) if isinstance(value, str | bytes) else value


def _time(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _uuid(value: Any) -> Any:
    return uuid.UUID(value) if isinstance(value, str) else value


def _bool(value: Any) -> Any:
    return None if value is None else bool(value)


def converter(column_type: Any) -> Convert | None:
    """The conversion a column of this SQLAlchemy type needs, or None."""
    for kind, convert in ((JSON, _json), (DateTime, _time), (Uuid, _uuid), (Boolean, _bool)):
        if isinstance(column_type, kind):
            return convert
    return None


def converters(columns: Iterable[Column[Any]], dialect: str) -> list[tuple[int, Convert]]:
    """(position, conversion) for each column of a row that needs one on ``dialect``.

    Only SQLite's rows need any. asyncpg's are already right, and converting
    them again would be wrong as well as slow: a JSON column holding a string
    comes back decoded, as a ``str`` that is not JSON text.
    """
    if dialect != "sqlite":
        return []
    return [(i, conv) for i, c in enumerate(columns) if (conv := converter(c.type))]


def normalized(raw: Sequence[Any], convert: list[tuple[int, Convert]]) -> Sequence[Any]:
    """A driver row's values with ``convert`` applied (NULLs stay None)."""
    if not convert:
        return raw
    values = list(raw)
    for i, fn in convert:
        if values[i] is not None:
            values[i] = fn(values[i])
    return values
