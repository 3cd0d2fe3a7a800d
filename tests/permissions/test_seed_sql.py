"""The seed tutorial's Keto SQL read-back query runs unchanged on PostgreSQL."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest

from tests.support.server import Server

SEED_QUERY = """
SELECT t.namespace, (select m.string_representation from public.keto_uuid_mappings m where m.id = t.object) as object_string, t.relation,
(select m.string_representation from public.keto_uuid_mappings m where m.id = t.subject_id) as subject_string, t.commit_time FROM public.keto_relation_tuples t;
"""  # noqa: E501 - verbatim from the tutorial


def test_seed_read_back_query(seed_server: Server) -> None:
    dsn = seed_server.config["dsn"]
    if not dsn.startswith("postgres"):
        pytest.skip("the seed's query is PostgreSQL/CockroachDB SQL (schema public)")
    r = httpx.put(
        f"{seed_server.urls['write']}/admin/relation-tuples",
        json={
            "namespace": "documents",
            "object": "doc-sql",
            "relation": "viewer",
            "subject_id": "user:alice",
        },
    )
    assert r.status_code == 201

    async def query() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(dsn.replace("postgres://", "postgresql://").split("?")[0])
        try:
            return list(await conn.fetch(SEED_QUERY))
        finally:
            await conn.close()

    rows = [r for r in asyncio.run(query()) if r["object_string"] == "doc-sql"]
    assert len(rows) == 1
    row = rows[0]
    assert (row["namespace"], row["relation"], row["subject_string"]) == (
        "documents",
        "viewer",
        "user:alice",
    )
    assert row["commit_time"] is not None
