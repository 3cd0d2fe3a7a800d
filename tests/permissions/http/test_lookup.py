"""Roost's ``/x/`` paths over a real server: reverse lookups, snaptokens on writes, Watch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.server import Server

TOKEN = "X-Roost-Snaptoken"


def _tuple(text: str) -> dict[str, Any]:
    """``ns:obj#rel@user`` or ``ns:obj#rel@ns:obj#rel`` as Keto's JSON."""
    head, subject = text.split("@")
    ns, rest = head.split(":")
    obj, rel = rest.split("#")
    body: dict[str, Any] = {"namespace": ns, "object": obj, "relation": rel}
    if ":" in subject:
        sns, srest = subject.split(":")
        sobj, srel = srest.split("#")
        body["subject_set"] = {"namespace": sns, "object": sobj, "relation": srel}
    else:
        body["subject_id"] = subject
    return body


def _patch(server: Server, action: str, *tuples: str) -> str:
    deltas = [{"action": action, "relation_tuple": _tuple(t)} for t in tuples]
    r = httpx.patch(f"{server.urls['write']}/admin/relation-tuples", json=deltas)
    assert r.status_code == 204, r.text
    return r.headers[TOKEN]


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == status
    return f"{body.get('reason', '')} {body['message']}"


def _objects(server: Server, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.urls['read']}/x/relation-tuples/objects", params=params)


def _subjects(server: Server, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.urls['read']}/x/relation-tuples/subjects", params=params)


@pytest.fixture(scope="module")
def seeded(opl_server: Server) -> str:
    """Documents d1..d4 under folders, a group and a ban; returns the last write's token."""
    _patch(
        opl_server,
        "insert",
        "Group:eng#members@alice",
        "Folder:f1#viewers@Group:eng#members",
        "Folder:f2#parents@Folder:f1#",
        "Document:d1#parents@Folder:f2#",
        "Document:d2#viewers@alice",
        "Document:d3#viewers@bob",
        "Document:d4#parents@Folder:f1#",
    )
    return _patch(opl_server, "insert", "Document:d4#banned@alice")


def test_objects_a_subject_can_view(opl_server: Server, seeded: str) -> None:
    r = _objects(
        opl_server, namespace="Document", relation="view", subject_id="alice", snaptoken=seeded
    )
    assert r.status_code == 200, r.text
    assert sorted(r.json()["objects"]) == ["d1", "d2"]  # d4: banned; d3: bob's
    r = _objects(opl_server, namespace="Folder", relation="view", subject_id="alice")
    assert sorted(r.json()["objects"]) == ["f1", "f2"]
    by_set = _objects(
        opl_server,
        namespace="Folder",
        relation="viewers",
        **{"subject_set.namespace": "Group", "subject_set.object": "eng"},
        **{"subject_set.relation": "members"},
    )
    assert by_set.json()["objects"] == ["f1"]


def test_objects_page_by_page(opl_server: Server, seeded: str) -> None:
    seen: list[str] = []
    token = ""
    for _ in range(5):
        params: dict[str, Any] = {"namespace": "Document", "relation": "view"}
        params |= {"subject_id": "alice", "page_size": 1}
        r = _objects(opl_server, **params, **({"page_token": token} if token else {}))
        body = r.json()
        assert len(body["objects"]) == 1
        seen += body["objects"]
        token = body["next_page_token"]
        if not token:
            break
    assert sorted(seen) == ["d1", "d2"]


def test_subjects_of_an_object(opl_server: Server, seeded: str) -> None:
    r = _subjects(opl_server, namespace="Document", object="d4", relation="view")
    assert r.json()["subject_ids"] == []  # alice is its only reader, and banned
    r = _subjects(opl_server, namespace="Document", object="d1", relation="view", snaptoken=seeded)
    assert r.json() == {"subject_ids": ["alice"], "next_page_token": ""}


@pytest.mark.parametrize(
    ("path", "params", "status", "fragment"),
    [
        ("objects", {"namespace": "Document", "subject_id": "a"}, 400, "'relation'"),
        ("objects", {"namespace": "Document", "relation": "view"}, 400, "subject"),
        ("objects", {"namespace": "Nope", "relation": "view", "subject_id": "a"}, 404, "Unknown"),
        (
            "objects",
            {"namespace": "Document", "relation": "view", "subject_id": "a", "object": "d1"},
            400,
            "object",
        ),
        (
            "objects",
            {"namespace": "Document", "relation": "view", "subject_id": "a", "snaptoken": "x"},
            400,
            "snaptoken",
        ),
        (
            "objects",
            {"namespace": "Document", "relation": "view", "subject_id": "a", "page_token": "x"},
            400,
            "page token",
        ),
        ("subjects", {"namespace": "Document", "relation": "view"}, 400, "'object'"),
        (
            "subjects",
            {"namespace": "Document", "object": "d1", "relation": "view", "subject_id": "a"},
            400,
            "subject",
        ),
    ],
)
def test_bad_lookups(
    opl_server: Server, path: str, params: dict[str, str], status: int, fragment: str
) -> None:
    r = httpx.get(f"{opl_server.urls['read']}/x/relation-tuples/{path}", params=params)
    assert fragment in _error(r, status)


def test_check_and_expand_take_snaptokens(opl_server: Server, seeded: str) -> None:
    read = opl_server.urls["read"]
    token = _patch(opl_server, "insert", "Document:d5#viewers@carol")
    check = {"namespace": "Document", "object": "d5", "relation": "view", "subject_id": "carol"}
    for snaptoken in (token, "latest"):
        r = httpx.get(f"{read}/relation-tuples/check", params={**check, "snaptoken": snaptoken})
        assert r.json() == {"allowed": True}
    expand = {"namespace": "Document", "object": "d5", "relation": "viewers", "snaptoken": token}
    assert httpx.get(f"{read}/relation-tuples/expand", params=expand).status_code == 200
    r = httpx.get(f"{read}/relation-tuples/check", params={**check, "snaptoken": "0:1:2"})
    assert "snaptoken" in _error(r, 400)
    put = httpx.put(
        f"{opl_server.urls['write']}/admin/relation-tuples", json=_tuple("Document:d6#viewers@x")
    )
    assert put.status_code == 201 and put.headers[TOKEN]
    delete = httpx.delete(
        f"{opl_server.urls['write']}/admin/relation-tuples",
        params={"namespace": "Document", "object": "d6"},
    )
    assert delete.status_code == 204 and delete.headers[TOKEN]


def _watch(server: Server, token: str | None, timeout: float = 5) -> dict[str, Any]:
    params: dict[str, Any] = {"timeout": timeout}
    if token is not None:
        params["snaptoken"] = token
    r = httpx.get(f"{server.urls['read']}/x/watch", params=params, timeout=timeout + 10)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _collect(server: Server, token: str, want: int) -> tuple[list[tuple[str, str]], str]:
    """Poll until ``want`` changes came (or a poll came back empty)."""
    got: list[tuple[str, str]] = []
    while len(got) < want:
        body = _watch(server, token)
        token = body["snaptoken"]
        if not body["changes"]:
            break
        for c in body["changes"]:
            t = c["relation_tuple"]
            got.append((c["action"], f"{t['namespace']}:{t['object']}#{t['relation']}"))
    return got, token


def test_watch_delivers_each_change_once_in_order(opl_server: Server, seeded: str) -> None:
    start = _watch(opl_server, None)
    assert start["changes"] == []
    written = []
    for i in range(12):
        _patch(opl_server, "insert", f"Document:w{i}#viewers@u{i}")
        written.append(("insert", f"Document:w{i}#viewers"))
    _patch(opl_server, "delete", "Document:w3#viewers@u3")
    written.append(("delete", "Document:w3#viewers"))
    got, token = _collect(opl_server, start["snaptoken"], len(written))
    assert got == written
    assert _watch(opl_server, token, timeout=0.3)["changes"] == []


def test_watch_long_poll_wakes_on_a_write(opl_server: Server, seeded: str) -> None:
    import threading

    start = _watch(opl_server, None)["snaptoken"]
    timer = threading.Timer(0.5, _patch, (opl_server, "insert", "Document:late#viewers@z"))
    timer.start()
    try:
        body = _watch(opl_server, start, timeout=10)
    finally:
        timer.join()
    assert [c["relation_tuple"]["object"] for c in body["changes"]] == ["late"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"timeout": "soon"}, "timeout"),
        ({"timeout": "999"}, "timeout"),
        ({"snaptoken": "3:1"}, "every shard"),
        ({"snaptoken": "zz"}, "snaptoken"),
        ({"since": "1"}, "since"),
    ],
)
def test_bad_watch(opl_server: Server, params: dict[str, str], fragment: str) -> None:
    r = httpx.get(f"{opl_server.urls['read']}/x/watch", params=params)
    assert fragment in _error(r, 400)
