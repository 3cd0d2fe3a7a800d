"""Hostile input on every permission operation (SQLite, PostgreSQL): no 5xx, nothing written.

See ``tests/support/fuzz.py`` and issue 9. Keto's REST ports: read, write
and OPL, with the seed tutorial's namespaces.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from roost.permissions.http.lookup import lookup_routes
from roost.permissions.http.opl import opl_routes
from roost.permissions.http.read import read_routes
from roost.permissions.http.write import write_routes
from tests.conftest import BACKENDS, new_dsn
from tests.permissions.conftest import SEED_NAMESPACES
from tests.support.fuzz import (
    SETTINGS,
    Snapshot,
    Target,
    check,
    listings_work,
    logs_clean,
    requests,
    sweep,
)
from tests.support.server import start_server

TUPLE = {
    "namespace": "documents",
    "object": "doc-1",
    "relation": "viewer",
    "subject_id": "fuzz-sentinel-subject",
}
SUBJECT_SET = {"namespace": "documents", "object": "doc-2", "relation": "viewer"}
GROUP_TUPLE = {**SUBJECT_SET, "object": "doc-1", "subject_set": SUBJECT_SET}
Fuzzed = tuple[Target, Snapshot, list[tuple[str, str, str]]]


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    tmp = tmp_path_factory.mktemp(f"keto-fuzz-{request.param}")
    dsn = new_dsn(request.param, tmp)
    server = start_server(tmp, {"dsn": dsn, "namespaces": SEED_NAMESPACES})
    read, write = server.urls["read"], server.urls["write"]
    assert httpx.put(f"{write}/admin/relation-tuples", json=TUPLE).status_code == 201
    in_documents = {"namespace": "documents"}
    target = Target(
        ports=server.urls,
        routes={
            "read": [r.path for r in [*read_routes, *lookup_routes]],  # type: ignore[attr-defined]
            "write": [r.path for r in write_routes],  # type: ignore[attr-defined]
            "opl": [r.path for r in opl_routes],  # type: ignore[attr-defined]
        },
        dsn=dsn,
        listings=[f"{read}/relation-tuples?namespace=documents&page_size=5", f"{read}/namespaces"],
        full_listings=[f"{read}/relation-tuples"],
        herodot=True,
        log=server.log,
        sentinels=("fuzz-sentinel-subject",),
        bodies={
            "PUT /admin/relation-tuples": TUPLE,
            "PATCH /admin/relation-tuples": [
                {"action": "insert", "relation_tuple": TUPLE},
                {"action": "delete", "relation_tuple": GROUP_TUPLE},
            ],
            "POST /relation-tuples/check": TUPLE,
            "POST /relation-tuples/check/openapi": TUPLE,
            "POST /relation-tuples/batch/check": {"tuples": [TUPLE, GROUP_TUPLE]},
            "POST /opl/syntax/check": "class User implements Namespace {}",
        },
        queries={
            "/relation-tuples": in_documents,
            "/relation-tuples/check": TUPLE,
            "/relation-tuples/check/openapi": TUPLE,
            "/relation-tuples/expand": {**SUBJECT_SET, "max-depth": "3"},
            "/x/relation-tuples/objects": {"namespace": "documents", "relation": "viewer"},
            "/x/relation-tuples/subjects": {**SUBJECT_SET, "object": "doc-1"},
            "/x/watch": {"timeout": "0s"},
            "/admin/relation-tuples": {**TUPLE, "object": "doc-9"},
        },
        query_names=(
            "namespace",
            "object",
            "relation",
            "subject_id",
            "subject_set.namespace",
            "subject_set.relation",
            "max-depth",
            "page_size",
            "page_token",
            "snaptoken",
        ),
    )
    snapshot = Snapshot(dsn)
    yield target, snapshot, target.operations()
    snapshot.close()
    server.stop()


@SETTINGS
@given(data=st.data())
def test_hostile_input_never_500s_nor_writes(fuzzed: Fuzzed, data: st.DataObject) -> None:
    target, snapshot, ops = fuzzed
    check(target, snapshot, data.draw(requests(target, ops)))


def test_every_member_and_parameter_with_each_case_of_issue_9(fuzzed: Fuzzed) -> None:
    target, snapshot, ops = fuzzed
    for req in sweep(target, ops):
        check(target, snapshot, req)


def test_full_listings_work_after_fuzzing(fuzzed: Fuzzed) -> None:
    listings_work(fuzzed[0])


def test_logs_hold_none_of_the_values_sent(fuzzed: Fuzzed) -> None:
    logs_clean(fuzzed[0])
