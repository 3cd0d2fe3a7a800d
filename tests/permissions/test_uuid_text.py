"""On SQLite, the seed's read-back joins tuples to their mappings through ids stored
as the API writes them (docs/decisions/0026); every UUID column holds that form."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.permissions.test_seed_sql import SEED_QUERY
from tests.support.server import Server
from tests.support.uuid_text import not_in_api_form, query, sqlite_file


def test_ids_in_the_tables_are_the_apis_form(seed_server: Server) -> None:
    dsn = seed_server.config["dsn"]
    if not dsn.startswith("sqlite"):
        pytest.skip("PostgreSQL and CockroachDB keep native UUID columns")
    tuple_ = {
        "namespace": "documents",
        "object": "doc-uuid",
        "relation": "viewer",
        "subject_id": "user:carol",
    }
    r = httpx.put(f"{seed_server.urls['write']}/admin/relation-tuples", json=tuple_)
    assert r.status_code == 201
    path = sqlite_file(dsn)
    rows = [r for r in query(path, SEED_QUERY.replace("public.", "")) if r[1] == "doc-uuid"]
    assert [(r[0], r[2], r[3]) for r in rows] == [("documents", "viewer", "user:carol")]
    (nid,) = query(path, "SELECT id FROM networks")[0]
    # Keto names a string by uuid5(network, string): the stored id is that UUID's text
    mapped = query(
        path, "SELECT id FROM keto_uuid_mappings WHERE string_representation = ?", "doc-uuid"
    )
    assert mapped == [(str(uuid.uuid5(uuid.UUID(nid), "doc-uuid")),)]
    assert not_in_api_form(path) == []
