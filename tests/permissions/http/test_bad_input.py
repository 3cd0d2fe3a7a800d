"""Bad input gets Keto's status and error body, writes nothing, and never 500s."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.server import Server

TUPLE = {"namespace": "documents", "object": "o", "relation": "viewer", "subject_id": "s"}


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    assert body["code"] == status
    assert body["status"] and body["message"]
    return body


def _count(server: Server) -> int:
    r = httpx.get(f"{server.urls['read']}/relation-tuples", params={"namespace": "documents"})
    return len(r.json()["relation_tuples"])


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "could not unmarshal json"),
        (b"[]", "could not unmarshal json"),
        (
            b'{"namespace": "documents", "object": "o", "relation": "r"}',
            "subject is not allowed to be nil",
        ),
        (
            {**TUPLE, "subject_set": {"namespace": "users", "object": "x", "relation": "r"}},
            "exactly one of subject_set or subject_id",
        ),
        ({**TUPLE, "extra": 1}, "unknown field"),
        ({**TUPLE, "object": 5}, "must be a string"),
        ({**TUPLE, "relation": "r" * 65}, "at most 64"),
        ({**TUPLE, "object": "o" * 5000}, "at most 4096"),
        ({**TUPLE, "object": "a\x00b"}, "NUL characters"),
        (
            {
                **{k: v for k, v in TUPLE.items() if k != "subject_id"},
                "subject_set": {"namespace": "users"},
            },
            "incomplete subject",
        ),
    ],
)
def test_create_rejects(seed_server: Server, body: Any, fragment: str) -> None:
    before = _count(seed_server)
    url = f"{seed_server.urls['write']}/admin/relation-tuples"
    r = httpx.put(url, content=body) if isinstance(body, bytes) else httpx.put(url, json=body)
    err = _error(r, 400)
    assert fragment in (err.get("reason", "") + err["message"])
    assert _count(seed_server) == before


def test_unknown_namespace_is_404_and_check_is_denied(seed_server: Server) -> None:
    r = httpx.put(
        f"{seed_server.urls['write']}/admin/relation-tuples", json={**TUPLE, "namespace": "x"}
    )
    assert "Unknown namespace" in _error(r, 404)["reason"]
    check = f"{seed_server.urls['read']}/relation-tuples/check"
    params = {**TUPLE, "namespace": "x"}
    assert httpx.get(check, params=params).status_code == 403
    assert httpx.get(check + "/openapi", params=params).json() == {"allowed": False}


def test_patch_is_all_or_nothing(seed_server: Server) -> None:
    before = _count(seed_server)
    url = f"{seed_server.urls['write']}/admin/relation-tuples"
    good = {"action": "insert", "relation_tuple": TUPLE}
    for bad, status in [
        ({"action": "upsert", "relation_tuple": TUPLE}, 400),
        ({"action": "insert"}, 400),
        ({"action": "insert", "relation_tuple": {**TUPLE, "namespace": "nope"}}, 404),
    ]:
        _error(httpx.patch(url, json=[good, bad]), status)
    assert _count(seed_server) == before


def test_delete_needs_namespace_and_no_body(seed_server: Server) -> None:
    url = f"{seed_server.urls['write']}/admin/relation-tuples"
    assert "namespace" in _error(httpx.delete(url, params={"object": "o"}), 400)["reason"]
    _error(httpx.delete(url, params={"namespace": "documents", "bogus": "1"}), 400)
    _error(httpx.request("DELETE", url, params={"namespace": "documents"}, content=b"{}"), 400)


@pytest.mark.parametrize(
    "query",
    [
        {"max-depth": "foo", **TUPLE},
        {"namespace": "documents", "object": "o", "relation": "r", "subject": "s"},
        {"namespace": "documents", "object": "o", "relation": "r"},
        {**TUPLE, "subject_set.namespace": "users"},
    ],
)
def test_check_rejects(seed_server: Server, query: dict[str, str]) -> None:
    for path in ("/relation-tuples/check", "/relation-tuples/check/openapi"):
        _error(httpx.get(seed_server.urls["read"] + path, params=query), 400)
    r = httpx.get(
        seed_server.urls["read"] + "/relation-tuples/check", params={**TUPLE, "max-depth": "foo"}
    )
    assert "invalid syntax" in _error(r, 400)["reason"]


def test_batch_and_list_reject(seed_server: Server) -> None:
    read = seed_server.urls["read"]
    _error(httpx.post(f"{read}/relation-tuples/batch/check", content=b"nope"), 400)
    _error(httpx.post(f"{read}/relation-tuples/batch/check", json={"tuples": "x"}), 400)
    _error(httpx.get(f"{read}/relation-tuples", params={"page_size": "abc"}), 400)
    _error(httpx.get(f"{read}/relation-tuples", params={"page_size": "0"}), 400)
    _error(httpx.get(f"{read}/relation-tuples/expand", params={"namespace": "documents"}), 400)
    r = httpx.get(
        f"{read}/relation-tuples/expand", params={"namespace": "x", "object": "o", "relation": "r"}
    )
    assert "Unknown namespace" in _error(r, 404)["reason"]


def test_oversized_body_is_413(seed_server: Server) -> None:
    huge = b"[" + b"1," * (1 << 20) + b"1]"
    _error(httpx.patch(f"{seed_server.urls['write']}/admin/relation-tuples", content=huge), 413)


def test_unknown_route_and_method(seed_server: Server) -> None:
    _error(httpx.get(seed_server.urls["read"] + "/nope"), 404)
    _error(httpx.put(seed_server.urls["read"] + "/admin/relation-tuples", json=TUPLE), 404)
    _error(httpx.delete(seed_server.urls["read"] + "/relation-tuples"), 405)


def test_nul_characters_are_bad_input(seed_server: Server) -> None:
    """PostgreSQL cannot store NUL: every entry point refuses it as a 400, never a 5xx."""
    read, write = seed_server.urls["read"], seed_server.urls["write"]
    query = {**TUPLE, "relation": "r\x00"}
    for path in ("/relation-tuples/check/openapi", "/relation-tuples", "/relation-tuples/expand"):
        assert "NUL characters" in _error(httpx.get(read + path, params=query), 400)["reason"]
    batch = {"tuples": [{**TUPLE, "subject_id": "s\x00"}]}
    r = httpx.post(read + "/relation-tuples/batch/check", json=batch)
    assert "NUL characters" in _error(r, 400)["reason"]
    before = _count(seed_server)
    patch = [{"action": "insert", "relation_tuple": {**TUPLE, "object": "\x00"}}]
    r = httpx.patch(write + "/admin/relation-tuples", json=patch)
    assert "NUL characters" in _error(r, 400)["reason"]
    assert _count(seed_server) == before
