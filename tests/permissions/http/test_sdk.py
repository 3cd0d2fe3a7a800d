"""The permission service through Ory's official SDK (ory-keto-client 25.4.0), over HTTP.

What every client does (create, list, check, expand, delete, pagination, OPL
checks) is in the case list ``tests/e2e/test_permissions.py``, run through the
SDK as well; here are the SDK-only routes: check-or-error, batch check, patch
order, OPL syntax check, metadata and reload.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ory_keto_client import ApiClient, Configuration
from ory_keto_client.api.metadata_api import MetadataApi
from ory_keto_client.api.permission_api import PermissionApi
from ory_keto_client.api.relationship_api import RelationshipApi
from ory_keto_client.exceptions import ApiException, BadRequestException
from ory_keto_client.models import (
    BatchCheckPermissionBody,
    CreateRelationshipBody,
    Relationship,
    RelationshipPatch,
)

from tests.support.server import Server


class Clients:
    def __init__(self, server: Server) -> None:
        self._read = ApiClient(Configuration(host=server.urls["read"]))
        self._write = ApiClient(Configuration(host=server.urls["write"]))
        self._opl = ApiClient(Configuration(host=server.urls["opl"]))
        self.read = RelationshipApi(self._read)
        self.check = PermissionApi(self._read)
        self.write = RelationshipApi(self._write)
        self.opl = RelationshipApi(self._opl)
        self.meta = MetadataApi(self._read)


@pytest.fixture(scope="module")
def seed(seed_server: Server) -> Iterator[Clients]:
    yield Clients(seed_server)


@pytest.fixture(scope="module")
def opl(opl_server: Server) -> Iterator[Clients]:
    yield Clients(opl_server)


def test_check_or_error_route_raises_on_denied(seed: Clients) -> None:
    with pytest.raises(ApiException) as exc:
        seed.check.post_check_permission_or_error(
            post_check_permission_or_error_body={
                "namespace": "documents",
                "object": "nope",
                "relation": "viewer",
                "subject_id": "nobody",
            }
        )
    assert exc.value.status == 403


def test_patch_insert_then_delete_ends_deleted(seed: Clients) -> None:
    # insert + delete of the same tuple in one patch ends deleted (inserts run first)
    t = Relationship(namespace="documents", object="tmp", relation="viewer", subject_id="x")
    seed.write.patch_relationships(
        relationship_patch=[
            RelationshipPatch(action="insert", relation_tuple=t),
            RelationshipPatch(action="delete", relation_tuple=t),
        ]
    )
    assert seed.read.get_relationships(namespace="documents", object="tmp").relation_tuples == []


def test_batch_check(seed: Clients) -> None:
    seed.write.create_relationship(
        create_relationship_body=CreateRelationshipBody(
            namespace="documents", object="batch", relation="viewer", subject_id="ann"
        )
    )
    result = seed.check.batch_check_permission(
        batch_check_permission_body=BatchCheckPermissionBody(
            tuples=[
                Relationship(
                    namespace="documents", object="batch", relation="viewer", subject_id="ann"
                ),
                Relationship(
                    namespace="documents", object="batch", relation="viewer", subject_id="bob"
                ),
                Relationship(namespace="nope", object="batch", relation="viewer", subject_id="ann"),
            ]
        )
    )
    assert [r.allowed for r in result.results] == [True, False, False]
    assert "could not be found" in (result.results[2].error or "")
    too_many = [
        Relationship(namespace="documents", object=f"o{i}", relation="r", subject_id="s")
        for i in range(11)
    ]
    with pytest.raises(BadRequestException) as exc:
        seed.check.batch_check_permission(
            batch_check_permission_body=BatchCheckPermissionBody(tuples=too_many)
        )
    assert "batch exceeds max size of 10" in str(exc.value.body)


def test_metadata(seed: Clients) -> None:
    assert seed.meta.is_alive().status == "ok"
    assert seed.meta.get_version().version.startswith("v")


def test_opl_syntax_check(opl: Clients) -> None:
    ok = opl.opl.check_opl_syntax(body="class A implements Namespace {}")
    assert not ok.errors
    bad = opl.opl.check_opl_syntax(body="/* unclosed comment")
    assert bad.errors is not None and len(bad.errors) == 1
    assert "unclosed comment" in bad.errors[0].message


def test_opl_file_is_reloaded_when_it_changes(opl_server: Server, opl: Clients) -> None:
    import time
    from pathlib import Path

    path = Path(opl_server.log).parent / "namespaces.keto.ts"
    original = path.read_text()
    try:
        path.write_text(original + "\nclass Extra implements Namespace {}\n")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            names = [n.name for n in opl.read.list_relationship_namespaces().namespaces]
            if "Extra" in names:
                break
            time.sleep(0.2)
        assert "Extra" in names
        refusals = Path(opl_server.log).read_text().count("keeping the previous namespaces")
        path.write_text("class Broken implements {")  # not valid OPL: the last good set stays
        deadline = time.monotonic() + 15  # until the watcher has read it and said so
        while time.monotonic() < deadline:
            log = Path(opl_server.log).read_text()
            if log.count("keeping the previous namespaces") > refusals:
                break
            time.sleep(0.2)
        assert log.count("keeping the previous namespaces") > refusals, log
        names = [n.name for n in opl.read.list_relationship_namespaces().namespaces]
        assert "Extra" in names and "Broken" not in names
    finally:
        path.write_text(original)
