"""The permission service through Ory's official SDK (ory-keto-client 25.4.0), over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ory_keto_client import ApiClient, Configuration
from ory_keto_client.api.metadata_api import MetadataApi
from ory_keto_client.api.permission_api import PermissionApi
from ory_keto_client.api.relationship_api import RelationshipApi
from ory_keto_client.exceptions import ApiException, BadRequestException, NotFoundException
from ory_keto_client.models import (
    BatchCheckPermissionBody,
    CreateRelationshipBody,
    PostCheckPermissionBody,
    Relationship,
    RelationshipPatch,
    SubjectSet,
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


def test_seed_create_check_list_expand(seed: Clients) -> None:
    body = CreateRelationshipBody(
        namespace="documents", object="doc-123", relation="viewer", subject_id="user:alice"
    )
    created = seed.write.create_relationship(create_relationship_body=body)
    assert created.subject_id == "user:alice"
    assert seed.check.check_permission(
        namespace="documents", object="doc-123", relation="viewer", subject_id="user:alice"
    ).allowed
    assert not seed.check.check_permission(
        namespace="documents", object="doc-123", relation="viewer", subject_id="user:bob"
    ).allowed
    listed = seed.read.get_relationships(namespace="documents", object="doc-123")
    assert [(r.object, r.subject_id) for r in listed.relation_tuples] == [("doc-123", "user:alice")]
    assert listed.next_page_token == ""
    tree = seed.check.expand_permissions(namespace="documents", object="doc-123", relation="viewer")
    assert tree.type == "union"
    assert [c.tuple.subject_id for c in tree.children] == ["user:alice"]


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


def test_subject_sets_and_patch_transaction(seed: Clients) -> None:
    group = SubjectSet(namespace="users", object="admins", relation="member")
    seed.write.patch_relationships(
        relationship_patch=[
            RelationshipPatch(
                action="insert",
                relation_tuple=Relationship(
                    namespace="documents", object="photos", relation="viewer", subject_set=group
                ),
            ),
            RelationshipPatch(
                action="insert",
                relation_tuple=Relationship(
                    namespace="users", object="admins", relation="member", subject_id="maureen"
                ),
            ),
        ]
    )
    post = PostCheckPermissionBody(
        namespace="documents", object="photos", relation="viewer", subject_id="maureen"
    )
    assert seed.check.post_check_permission(post_check_permission_body=post).allowed
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


def test_pagination_walks_every_tuple_once(seed: Clients) -> None:
    patch = [
        RelationshipPatch(
            action="insert",
            relation_tuple=Relationship(
                namespace="default_namespace", object="paged", relation="r", subject_id=f"s{i}"
            ),
        )
        for i in range(10)
    ]
    seed.write.patch_relationships(relationship_patch=patch)
    seen, token, pages = [], None, 0
    while True:
        page = seed.read.get_relationships(
            namespace="default_namespace", object="paged", page_size=3, page_token=token
        )
        pages += 1
        seen += [r.subject_id for r in page.relation_tuples]
        token = page.next_page_token
        if not token:
            break
    assert pages == 4
    assert sorted(seen) == sorted(f"s{i}" for i in range(10))
    with pytest.raises(BadRequestException):
        seed.read.get_relationships(namespace="default_namespace", page_token="garbled")


def test_delete_by_query_and_unknown_namespace(seed: Clients) -> None:
    seed.write.create_relationship(
        create_relationship_body=CreateRelationshipBody(
            namespace="default_namespace", object="gone", relation="r", subject_id="s"
        )
    )
    seed.write.delete_relationships(namespace="default_namespace", object="gone")
    assert (
        seed.read.get_relationships(namespace="default_namespace", object="gone").relation_tuples
        == []
    )
    with pytest.raises(NotFoundException):
        seed.read.get_relationships(namespace="unknown")
    with pytest.raises(NotFoundException):
        seed.write.create_relationship(
            create_relationship_body=CreateRelationshipBody(
                namespace="unknown", object="o", relation="r", subject_id="s"
            )
        )


def test_namespaces_and_metadata(seed: Clients) -> None:
    names = [n.name for n in seed.read.list_relationship_namespaces().namespaces]
    assert names == ["default_namespace", "documents", "users"]
    assert seed.meta.is_alive().status == "ok"
    assert seed.meta.get_version().version.startswith("v")


def test_opl_traverse_and_exclusion(opl: Clients) -> None:
    def rel(
        ns: str, obj: str, r: str, sid: str | None = None, ss: SubjectSet | None = None
    ) -> RelationshipPatch:
        return RelationshipPatch(
            action="insert",
            relation_tuple=Relationship(
                namespace=ns, object=obj, relation=r, subject_id=sid, subject_set=ss
            ),
        )

    opl.write.patch_relationships(
        relationship_patch=[
            rel("Group", "eng", "members", sid="alice"),
            rel(
                "Group",
                "all",
                "members",
                ss=SubjectSet(namespace="Group", object="eng", relation="members"),
            ),
            rel(
                "Folder",
                "root",
                "viewers",
                ss=SubjectSet(namespace="Group", object="all", relation="members"),
            ),
            rel(
                "Folder",
                "sub",
                "parents",
                ss=SubjectSet(namespace="Folder", object="root", relation=""),
            ),
            rel(
                "Document",
                "readme",
                "parents",
                ss=SubjectSet(namespace="Folder", object="sub", relation=""),
            ),
            rel("Document", "readme", "viewers", sid="mallory"),
            rel("Document", "readme", "banned", sid="mallory"),
        ]
    )

    def allowed(obj: str, subject: str) -> bool:
        return bool(
            opl.check.check_permission(
                namespace="Document", object=obj, relation="view", subject_id=subject
            ).allowed
        )

    assert allowed("readme", "alice")
    assert not allowed("readme", "mallory")  # banned wins over a direct grant
    assert not allowed("readme", "bob")
    # the same path does not fit in a depth budget of 4 (Keto's depth accounting)
    assert not opl.check.check_permission(
        namespace="Document", object="readme", relation="view", subject_id="alice", max_depth=4
    ).allowed
    with pytest.raises(BadRequestException) as exc:
        opl.check.check_permission(
            namespace="Document", object="readme", relation="edit", subject_id="alice"
        )
    assert 'relation \\"edit\\" does not exist' in str(exc.value.body) or "does not exist" in str(
        exc.value.body
    )


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
        path.write_text("class Broken implements {")  # not valid OPL: the last good set stays
        time.sleep(4.5)
        names = [n.name for n in opl.read.list_relationship_namespaces().namespaces]
        assert "Extra" in names and "Broken" not in names
    finally:
        path.write_text(original)
