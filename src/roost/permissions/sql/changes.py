"""The change feed's SQL: logging a write's tuple changes, reading them back in order.

A write logs its changes in its own transaction, under the (shard, version) it
raised; versions of one shard commit in order (the counter row serialises its
writers). A reader reads the counters first and then only changes at or below
them, so what it returns is complete up to the counters it hands back as the
next token: nothing missed, nothing repeated, across restarts and replicas.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.permissions.sql.tables import check_counters, tuple_changes
from roost.permissions.sql.tables import relation_tuples as rt

FEED_COLUMNS = (
    rt.c.namespace,
    rt.c.object,
    rt.c.relation,
    rt.c.subject_id,
    rt.c.subject_set_namespace,
    rt.c.subject_set_object,
    rt.c.subject_set_relation,
    rt.c.commit_time,
)
_FIELDS = [c.name for c in FEED_COLUMNS]
RETAIN = 100_000
"""Versions per shard the feed keeps; a token further behind must start over."""
VERSIONS_PER_READ = 100
"""At most this many versions of each shard per read (a long backlog comes in parts)."""


class ChangeFeed:
    """Collects one write's changes and logs them in its transaction, stamped ``at``
    (a deleted row's own commit_time is when it was inserted, not when it went)."""

    def __init__(self, conn: AsyncConnection, nid: uuid.UUID, at: datetime) -> None:
        self.conn = conn
        self.nid = nid
        self.at = at
        self.rows: list[dict[str, Any]] = []

    def inserted(self, rows: Iterable[dict[str, Any]]) -> None:
        self.rows.extend({"action": "insert", **{f: r[f] for f in _FIELDS}} for r in rows)

    def deleted(self, rows: Iterable[Any]) -> None:
        self.rows.extend({"action": "delete", **dict(zip(_FIELDS, r, strict=True))} for r in rows)

    async def log(self, shard: int, version: int) -> None:
        if self.rows:
            await self.conn.execute(
                tuple_changes.insert(),
                [
                    {
                        "id": uuid.uuid4(),
                        "nid": self.nid,
                        "shard": shard,
                        "version": version,
                        "seq": i,
                        **row,
                        "commit_time": self.at,
                    }
                    for i, row in enumerate(self.rows)
                ],
            )
        await self.conn.execute(
            tuple_changes.delete().where(
                tuple_changes.c.nid == self.nid,
                tuple_changes.c.shard == shard,
                tuple_changes.c.version <= version - RETAIN,
            )
        )


@dataclass(frozen=True)
class Change:
    action: str
    row: Any
    """namespace, object, relation, subject_id, subject set (3), commit_time."""


async def counters(conn: AsyncConnection, nid: uuid.UUID, shards: int) -> list[int]:
    """Every shard's version (0 where nothing was written yet)."""
    stmt = select(check_counters.c.shard, check_counters.c.version).where(
        check_counters.c.nid == nid
    )
    found = dict.fromkeys(range(shards), 0)
    for shard, version in await conn.execute(stmt):
        found[int(shard)] = int(version)
    return [found[s] for s in range(shards)]


async def read_since(
    conn: AsyncConnection, nid: uuid.UUID, since: Sequence[int], upto: Sequence[int]
) -> tuple[list[Change], list[int]]:
    """Changes after ``since`` up to ``upto`` (at most VERSIONS_PER_READ per shard), in
    commit order per shard, and the versions they are complete up to."""
    reached = [min(u, s + VERSIONS_PER_READ) for s, u in zip(since, upto, strict=True)]
    ranges = [
        and_(
            tuple_changes.c.shard == shard,
            tuple_changes.c.version > low,
            tuple_changes.c.version <= high,
        )
        for shard, (low, high) in enumerate(zip(since, reached, strict=True))
        if high > low
    ]
    if not ranges:
        return [], reached
    stmt = (
        select(tuple_changes.c.action, *(tuple_changes.c[f] for f in _FIELDS))
        .where(tuple_changes.c.nid == nid, or_(*ranges))
        .order_by(
            tuple_changes.c.commit_time,
            tuple_changes.c.shard,
            tuple_changes.c.version,
            tuple_changes.c.seq,
        )
    )
    return [Change(r[0], r[1:]) for r in await conn.execute(stmt)], reached
