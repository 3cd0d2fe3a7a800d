"""Storage conformance for the tuple store, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from roost.permissions.migrations import MIGRATIONS
from roost.permissions.relationtuples.model import RelationQuery, SubjectSet
from roost.storage.migrate import Migrator
from tests.permissions.support import open_store, tuples


async def test_write_list_delete(dsn: str) -> None:
    store = await open_store(dsn)
    try:
        await store.write(tuples(["n:o#r@a", "n:o#r@b", "n:o#r@m:g#member", "n:p#r@a"]), [])
        page, last = await store.list_tuples(RelationQuery(namespace="n", object="o"), 10, None)
        assert last is None
        assert sorted(str(t) for t in page) == ["n:o#r@a", "n:o#r@b", "n:o#r@m:g#member"]
        by_set, _ = await store.list_tuples(
            RelationQuery(subject=SubjectSet("m", "g", "member")), 10, None
        )
        assert [str(t) for t in by_set] == ["n:o#r@m:g#member"]
        await store.delete_matching(RelationQuery(namespace="n", object="o", relation="r"))
        rest, _ = await store.list_tuples(RelationQuery(namespace="n"), 10, None)
        assert [str(t) for t in rest] == ["n:p#r@a"]
    finally:
        await store.db.close()


async def test_keyset_pages_cover_everything_once(dsn: str) -> None:
    store = await open_store(dsn)
    try:
        await store.write(tuples([f"n:o#r@s{i}" for i in range(25)]), [])
        seen: list[str] = []
        after = None
        while True:
            page, after = await store.list_tuples(RelationQuery(namespace="n"), 7, after)
            seen += [str(t.subject) for t in page]
            if after is None:
                break
        assert sorted(seen) == sorted(f"s{i}" for i in range(25))
    finally:
        await store.db.close()


async def test_duplicates_and_patch_order(dsn: str) -> None:
    store = await open_store(dsn)
    try:
        await store.write(tuples(["n:o#r@a", "n:o#r@a"]), [])  # Keto has no unique constraint
        page, _ = await store.list_tuples(RelationQuery(namespace="n"), 10, None)
        assert len(page) == 2
        await store.write(tuples(["n:x#r@b"]), tuples(["n:x#r@b", "n:o#r@a"]))
        page, _ = await store.list_tuples(RelationQuery(namespace="n"), 10, None)
        assert page == []
    finally:
        await store.db.close()


async def test_uuid_mapping_matches_keto(dsn: str) -> None:
    """Objects are UUIDv5(network id, string), readable back through keto_uuid_mappings."""
    store = await open_store(dsn)
    try:
        await store.write(tuples(["documents:doc-123#viewer@user:alice"]), [])
        rows = await store.db.read(
            lambda c: c.execute(
                text(
                    "SELECT t.namespace, (SELECT m.string_representation"
                    " FROM keto_uuid_mappings m WHERE m.id = t.object) AS object_string,"
                    " t.relation, (SELECT m.string_representation FROM keto_uuid_mappings m"
                    " WHERE m.id = t.subject_set_object) AS subject_string"
                    " FROM keto_relation_tuples t"
                )
            )
        )
        assert [tuple(r) for r in rows] == [("documents", "doc-123", "viewer", "alice")]
        assert store.id_of("doc-123") == uuid.uuid5(store.nid, "doc-123")
    finally:
        await store.db.close()


async def test_migrations_rerun_and_report(dsn: str) -> None:
    store = await open_store(dsn)
    try:
        migrator = Migrator(store.db, "permissions", MIGRATIONS)
        assert await migrator.up() == []
        assert all(m.applied for m in await migrator.status())
        # a crash between DDL and bookkeeping re-runs the step harmlessly
        await store.db.read(
            lambda c: c.execute(
                text("DELETE FROM roost_schema_migrations WHERE version = :v"),
                {"v": MIGRATIONS[-1].version},
            )
        )
        assert [m.version for m in await migrator.up()] == [MIGRATIONS[-1].version]
    finally:
        await store.db.close()
