"""The lookup page statement's plan: answered from Keto's reverse indexes alone
(decision 0037), on a table vacuumed as autovacuum leaves it after a bulk load."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest

from roost.permissions.lookup.engine import LeafQuery
from roost.permissions.sql.lookup import PG_LEAVES, pg_leaf_params
from roost.permissions.sql.store import TupleStore
from tests.conftest import new_dsn
from tests.permissions.support import open_store, tuples

COVERING = {
    "keto_relation_tuples_uuid_reverse_subject_ids_object_idx",
    "keto_relation_tuples_uuid_reverse_subject_sets_object_idx",
}


def _dataset() -> list[str]:
    """Documents under folders (most through ``parents``), some with a viewer of their own."""
    lines = [f"Folder:f{f}#viewers@Group:g{f % 3}#members" for f in range(20)]
    for d in range(3000):
        lines.append(f"Document:d{d}#parents@Folder:f{d % 20}")
        if d % 7 == 0:
            lines.append(f"Document:d{d}#viewers@u{d % 40}")
        if d % 11 == 0:
            lines.append(f"Document:d{d}#viewers@Group:g{d % 3}#members")
    return lines


def _scans(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if node.get("Relation Name") == "keto_relation_tuples":
        yield node
    for child in node.get("Plans", []):
        yield from _scans(child)


async def _vacuum(conn: asyncpg.Connection) -> None:
    """VACUUM ANALYZE until every page is all-visible, as autovacuum leaves a loaded
    table: the test cluster commits asynchronously, and VACUUM leaves a page's
    visibility alone until its rows' commits are flushed (a fraction of a second)."""
    for _ in range(100):
        await conn.execute("VACUUM ANALYZE keto_relation_tuples")
        pages, visible = await conn.fetchrow(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'keto_relation_tuples'"
        )
        if visible == pages:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{visible} of {pages} pages all-visible")


async def _plan(store: TupleStore, dsn: str) -> list[dict[str, Any]]:
    query = LeafQuery(
        "Document",
        store.id_of("u7"),
        ("viewers",),
        tuple(("viewers", "Group", store.id_of(f"g{g}"), "members") for g in range(3)),
        tuple(("parents", "Folder", store.id_of(f"f{f}")) for f in range(0, 20, 2)),
    )
    conn = await asyncpg.connect(dsn.replace("postgres://", "postgresql://").split("?")[0])
    try:
        await _vacuum(conn)
        explained = await conn.fetchval(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + PG_LEAVES, *pg_leaf_params(store.nid, query, 501)
        )
    finally:
        await conn.close()
    return list(_scans(json.loads(explained)[0]["Plan"]))


def test_the_page_statement_reads_only_the_covering_reverse_indexes(tmp_path: Any) -> None:
    dsn = new_dsn("postgres", tmp_path)

    async def run() -> list[dict[str, Any]]:
        store = await open_store(dsn)
        try:
            await store.write(tuples(_dataset()), [])
            return await _plan(store, dsn)
        finally:
            await store.db.close()

    scans = asyncio.run(run())
    assert len(scans) == 3  # the direct, exact and traverse branches
    for scan in scans:
        assert scan["Node Type"] == "Index Only Scan", scan
        assert scan["Index Name"] in COVERING, scan
        assert scan["Heap Fetches"] == 0, scan
    assert sum(s["Actual Rows"] * s["Actual Loops"] for s in scans) > 1500


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    from tests.conftest import postgres_admin_dsn

    postgres_admin_dsn()
