"""The permission service's frozen migrations: the schema they build is the one
``sql/tables.py`` declares, and rows written at every earlier step survive to head."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from roost.permissions import snaptokens
from roost.permissions.migrations import MIGRATIONS
from roost.permissions.relationtuples.model import RelationQuery, SubjectSet
from roost.permissions.sql.store import SHARDS, TupleStore, ensure_network
from roost.permissions.sql.tables import metadata
from roost.storage.database import Database
from roost.storage.migrate import Migrator
from tests.conftest import new_dsn
from tests.permissions.support import check, namespaces_from, tuples
from tests.support.migrations import (
    Fixture,
    Lit,
    describe,
    describe_metadata,
    differences,
    migrate_with_rows,
)

NID = uuid.UUID("5d8c1f9e-3f0e-4a57-9a57-6c1f0f0e7a11")
VERSIONS = [m.version for m in MIGRATIONS]


def test_versions_are_the_ones_existing_databases_recorded() -> None:
    assert VERSIONS == [
        "20261128000001",
        "20261128000002",
        "20261128000003",
        "20261128000004",
        "20261129000003",
        "20261129000004",
        "20261204000001",
        "20261206900001",
        "20261207000001",
    ]


def test_migrations_build_the_schema_tables_py_declares(
    dsn: str, backend: str, tmp_path: Path
) -> None:
    async def run() -> None:
        db = Database(dsn)
        try:
            await Migrator(db, "permissions", MIGRATIONS).up()
            got = await describe(db)
        finally:
            await db.close()
        want = await describe_metadata(new_dsn(backend, tmp_path), metadata)
        assert differences(got, want) == []

    asyncio.run(run())


def test_the_covering_reverse_indexes_come_back_down_to_keto_s(dsn: str) -> None:
    """Down from head restores the schema of the step before (Keto's reverse indexes),
    and up again rebuilds head's."""

    async def run() -> None:
        db = Database(dsn)
        try:
            migrator = Migrator(db, "permissions", MIGRATIONS)
            await migrator.up(VERSIONS[-2])
            before = await describe(db)
            await migrator.up()
            head = await describe(db)
            assert differences(head, before) != []
            assert [m.name for m in await migrator.down(1)] == ["reverse_indexes_with_object"]
            assert differences(await describe(db), before) == []
            await migrator.up()
            assert differences(await describe(db), head) == []
        finally:
            await db.close()

    asyncio.run(run())


def _id(value: str) -> uuid.UUID:
    return uuid.uuid5(NID, value)


def _network(x: Lit) -> list[str]:
    at = x.ts("2026-11-28 09:00:00")
    return [f"INSERT INTO networks (id, created_at, updated_at) VALUES ({x.uuid(NID)}, {at}, {at})"]


def _mappings(x: Lit) -> list[str]:
    names = ["doc-1", "alice", "admins"]
    return [
        "INSERT INTO keto_uuid_mappings (id, string_representation) VALUES "
        + ", ".join(f"({x.uuid(_id(n))}, '{n}')" for n in names)
    ]


def _tuples(x: Lit) -> list[str]:
    cols = (
        "shard_id, nid, namespace, object, relation, subject_id, subject_set_namespace, "
        "subject_set_object, subject_set_relation, commit_time"
    )
    at, nid, doc = x.ts("2026-11-28 09:01:00"), x.uuid(NID), x.uuid(_id("doc-1"))
    direct = f"{x.uuid(uuid.uuid4())}, {nid}, 'documents', {doc}, 'viewer', {x.uuid(_id('alice'))}"
    group = f"{x.uuid(uuid.uuid4())}, {nid}, 'documents', {doc}, 'viewer', NULL"
    return [
        f"INSERT INTO keto_relation_tuples ({cols}) VALUES ({direct}, NULL, NULL, NULL, {at})",
        f"INSERT INTO keto_relation_tuples ({cols}) VALUES "
        f"({group}, 'groups', {x.uuid(_id('admins'))}, 'member', {at})",
    ]


def _counters(x: Lit) -> list[str]:
    return [f"INSERT INTO roost_check_counters (nid, shard, version) VALUES ({x.uuid(NID)}, 3, 7)"]


def _log(x: Lit) -> list[str]:
    cols = "id, nid, shard, version, namespace, object"
    values = f"{x.uuid(uuid.uuid4())}, {x.uuid(NID)}, 3, 7, 'documents', {x.uuid(_id('doc-1'))}"
    return [f"INSERT INTO roost_check_log ({cols}) VALUES ({values})"]


def _changes(x: Lit) -> list[str]:
    cols = (
        "id, nid, shard, version, seq, action, namespace, object, relation, subject_id, "
        "subject_set_namespace, subject_set_object, subject_set_relation, commit_time"
    )
    values = (
        f"{x.uuid(uuid.uuid4())}, {x.uuid(NID)}, 3, 7, 0, 'insert', 'documents', "
        f"{x.uuid(_id('doc-1'))}, 'viewer', {x.uuid(_id('alice'))}, NULL, NULL, NULL, "
        f"{x.ts('2026-12-04 09:00:00')}"
    )
    return [f"INSERT INTO roost_tuple_changes ({cols}) VALUES ({values})"]


def _feed_token(shard_3: int) -> str:
    return snaptokens.encode({s: shard_3 if s == 3 else 0 for s in range(SHARDS)})


FIXTURES: dict[str, Fixture] = {
    "20261128000001": _network,
    "20261128000002": _mappings,
    "20261128000003": _tuples,
    "20261129000003": _counters,
    "20261129000004": _log,
    "20261204000001": _changes,
}


@pytest.mark.parametrize("stop", VERSIONS)
def test_rows_written_at_each_step_are_read_back_at_head(dsn: str, stop: str) -> None:
    async def run() -> None:
        db = Database(dsn)
        try:
            await migrate_with_rows(db, "permissions", MIGRATIONS, FIXTURES, stop)
            assert await ensure_network(db) == NID
            store = TupleStore(db, NID)
            ns = namespaces_from(legacy=["documents", "groups"])
            got, _ = await store.list_tuples(RelationQuery(namespace="documents"), 10, None)
            if stop >= "20261128000003":
                assert sorted(str(t) for t in got) == [
                    "documents:doc-1#viewer@alice",
                    "documents:doc-1#viewer@groups:admins#member",
                ]
                subjects = await store.subject_sets_of("documents", "doc-1", "viewer")
                assert set(subjects) == {"alice", SubjectSet("groups", "admins", "member")}
                assert await check(store, ns, "documents:doc-1#viewer@alice")
            else:
                assert got == []
            if stop >= "20261204000001":
                logged, _ = await store.changes_since(_feed_token(6))
                assert [(c["action"], c["relation_tuple"]["subject_id"]) for c in logged] == [
                    ("insert", "alice")
                ]
            _, start = await store.changes_since(None)
            await store.write(tuples(["groups:admins#member@bob"]), [])
            assert await check(store, ns, "groups:admins#member@bob")
            fed, _ = await store.changes_since(start)
            assert [(c["action"], c["relation_tuple"]["subject_id"]) for c in fed] == [
                ("insert", "bob")
            ]
            assert await check(store, ns, "documents:doc-1#viewer@bob") == (
                stop >= "20261128000003"
            )
        finally:
            await db.close()

    asyncio.run(run())
