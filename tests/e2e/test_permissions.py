"""The permission service's end-to-end cases, each run through REST, ory-keto-client and the CLI.

Folded in from the SDK and CLI tests: each case says once what Keto's API
promises, and ``client`` is every way a user reaches it. Cases name their
objects with a fresh ``uid`` because the servers are shared by all clients.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.permissions_clients import CLIENTS, PermissionClient, Tuple
from tests.e2e.support import ClientError
from tests.support.server import Server

Case = Callable[[PermissionClient, str], None]
SEED: list[Case] = []
OPL: list[Case] = []


def on(servers: list[Case]) -> Callable[[Case], Case]:
    def register(case: Case) -> Case:
        servers.append(case)
        return case

    return register


def rel(ns: str, obj: str, relation: str, subject: str | Tuple) -> Tuple:
    """A tuple; ``subject`` is an id or a ``subject_set`` dict."""
    who = {"subject_set": subject} if isinstance(subject, dict) else {"subject_id": subject}
    return {"namespace": ns, "object": obj, "relation": relation, **who}


def every_page(client: PermissionClient, query: dict[str, str], size: int = 0) -> Any:
    """All tuples of a query and the number of pages it took."""
    seen, token, pages = [], "", 0
    while True:
        tuples, token = client.page(query, size, token)
        seen += tuples
        pages += 1
        if not token:
            return seen, pages


@on(SEED)
def create_list_check_expand(client: PermissionClient, uid: str) -> None:
    doc = f"doc-{uid}"
    (created,) = client.create(rel("documents", doc, "viewer", "user:alice"))
    assert created["subject_id"] == "user:alice"
    listed, pages = every_page(client, {"namespace": "documents", "object": doc})
    assert [(t["object"], t["subject_id"]) for t in listed] == [(doc, "user:alice")]
    assert pages == 1  # an empty next_page_token
    tree = client.expand("documents", doc, "viewer")
    assert tree is not None and tree["type"] == "union"
    assert [c["tuple"]["subject_id"] for c in tree["children"]] == ["user:alice"]
    # Keto's CLI reads "user:alice" as a subject set (see tests/permissions/test_cli.py)
    client.create(rel("documents", doc, "viewer", "alice"))
    assert client.check(rel("documents", doc, "viewer", "alice"))
    assert not client.check(rel("documents", doc, "viewer", "bob"))


@on(SEED)
def subject_set_grants_its_members(client: PermissionClient, uid: str) -> None:
    group = {"namespace": "users", "object": f"admins-{uid}", "relation": "member"}
    client.create(
        rel("documents", f"photos-{uid}", "viewer", group),
        rel("users", f"admins-{uid}", "member", "maureen"),
    )
    assert client.check(rel("documents", f"photos-{uid}", "viewer", "maureen"))
    assert client.check(rel("documents", f"photos-{uid}", "viewer", group))
    assert not client.check(rel("documents", f"photos-{uid}", "viewer", "bob"))


@on(SEED)
def delete_one_tuple(client: PermissionClient, uid: str) -> None:
    t = rel("users", f"cli-{uid}", "member", "zoe")
    client.create(t)
    client.delete(t)
    assert every_page(client, {"namespace": "users", "object": f"cli-{uid}"})[0] == []
    assert not client.check(t)


@on(SEED)
def delete_all_by_query(client: PermissionClient, uid: str) -> None:
    query = {"namespace": "default_namespace", "object": f"gone-{uid}"}
    client.create(*(rel("default_namespace", f"gone-{uid}", "r", s) for s in ("s", "t")))
    client.delete_all(query)
    assert every_page(client, query)[0] == []


@on(SEED)
def pagination_walks_every_tuple_once(client: PermissionClient, uid: str) -> None:
    query = {"namespace": "default_namespace", "object": f"paged-{uid}"}
    client.create(*(rel("default_namespace", f"paged-{uid}", "r", f"s{i}") for i in range(10)))
    seen, pages = every_page(client, query, size=3)
    assert pages == 4
    assert sorted(t["subject_id"] for t in seen) == sorted(f"s{i}" for i in range(10))
    with pytest.raises(ClientError) as refused:
        client.page({"namespace": "default_namespace"}, token="garbled")
    assert refused.value.status in {400, None}


@on(SEED)
def unknown_namespace_is_refused(client: PermissionClient, uid: str) -> None:
    with pytest.raises(ClientError, match="Unknown namespace") as refused:
        client.create(rel("nope", uid, "member", "zoe"))
    assert refused.value.status in {404, None}
    with pytest.raises(ClientError) as refused:
        client.page({"namespace": "unknown"})
    assert refused.value.status in {404, None}


@on(SEED)
def namespaces_and_empty_expand(client: PermissionClient, uid: str) -> None:
    assert client.namespaces() == ["default_namespace", "documents", "users"]
    assert client.expand("documents", f"nothing-{uid}", "viewer") is None


@on(OPL)
def opl_traverse_and_exclusion(client: PermissionClient, uid: str) -> None:
    def members(ns: str, obj: str, relation: str = "members") -> Tuple:
        return {"namespace": ns, "object": f"{obj}-{uid}", "relation": relation}

    client.create(
        rel("Group", f"eng-{uid}", "members", "alice"),
        rel("Group", f"all-{uid}", "members", members("Group", "eng")),
        rel("Folder", f"root-{uid}", "viewers", members("Group", "all")),
        rel("Folder", f"sub-{uid}", "parents", members("Folder", "root", "")),
        rel("Document", f"readme-{uid}", "parents", members("Folder", "sub", "")),
        rel("Document", f"readme-{uid}", "viewers", "mallory"),
        rel("Document", f"readme-{uid}", "banned", "mallory"),
    )

    def view(subject: str) -> Tuple:
        return rel("Document", f"readme-{uid}", "view", subject)

    assert client.check(view("alice"))
    assert not client.check(view("mallory"))  # banned wins over a direct grant
    assert not client.check(view("bob"))
    # the same path does not fit in a depth budget of 4 (Keto's depth accounting)
    assert not client.check(view("alice"), max_depth=4)
    with pytest.raises(ClientError, match="does not exist") as refused:
        client.check(rel("Document", f"readme-{uid}", "edit", "alice"))
    assert refused.value.status in {400, None}


def _params(cases: list[Case]) -> list[Any]:
    return [
        pytest.param(case, kind, id=f"{case.__name__}-{kind}") for case in cases for kind in CLIENTS
    ]


@pytest.mark.parametrize(("case", "kind"), _params(SEED))
def test_seed_case(case: Case, kind: str, seed_server: Server) -> None:
    case(CLIENTS[kind](seed_server), uuid.uuid4().hex[:8])


@pytest.mark.parametrize(("case", "kind"), _params(OPL))
def test_opl_case(case: Case, kind: str, opl_server: Server) -> None:
    case(CLIENTS[kind](opl_server), uuid.uuid4().hex[:8])
