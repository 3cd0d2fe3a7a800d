"""How both check statements receive a batch of keys, per dialect.

PostgreSQL and CockroachDB take the keys as three parallel arrays (joined
through ``unnest``); SQLite takes named IN-lists padded to a power of two, so
that the number of distinct statement texts stays small.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from roost.permissions.check.engine import Key
from roost.storage.sql import padded
from roost.storage.sqlite_uuid import as_text

SqliteShape = tuple[int, int, int]
"""Lengths of the namespace, object and relation IN-lists."""


def key_arrays(keys: Sequence[Key]) -> list[list[Any]]:
    """Namespaces, objects and relations as parallel arrays (PostgreSQL/CockroachDB)."""
    return [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]]


def sqlite_key_params(nid: uuid.UUID, keys: Sequence[Key]) -> tuple[SqliteShape, dict[str, Any]]:
    """IN-list lengths and named parameters (``:nid``, ``:n0``…, ``:o0``…, ``:r0``…)."""
    ns = padded(sorted({k[0] for k in keys}))
    objs = padded(sorted({as_text(k[1]) for k in keys}))
    rels = padded(sorted({k[2] for k in keys}))
    params: dict[str, Any] = {"nid": as_text(nid)}
    params.update({f"n{i}": v for i, v in enumerate(ns)})
    params.update({f"o{i}": v for i, v in enumerate(objs)})
    params.update({f"r{i}": v for i, v in enumerate(rels)})
    return (len(ns), len(objs), len(rels)), params


def sqlite_key_filter(shape: SqliteShape) -> str:
    """``t.nid = :nid AND t.namespace IN (...) AND ...`` for IN-lists of ``shape``.

    The cross product of the lists can match a few keys nobody asked for;
    callers drop those rows.
    """

    def names(prefix: str, n: int) -> str:
        return ", ".join(f":{prefix}{i}" for i in range(n))

    n_ns, n_obj, n_rel = shape
    return (
        f"t.nid = :nid AND t.namespace IN ({names('n', n_ns)})"
        f" AND t.object IN ({names('o', n_obj)}) AND t.relation IN ({names('r', n_rel)})"
    )


def as_uuid(value: Any) -> uuid.UUID:
    """SQLite stores UUIDs as text (dashed since decision 0026); asyncpg returns UUID objects."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(hex=value)
