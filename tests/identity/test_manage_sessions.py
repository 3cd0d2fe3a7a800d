"""``POST /admin/sessions`` (Kratos v25's ``manageSessions``) over real sockets, on SQLite
and PostgreSQL: disable or delete by identities, by sessions, by the ``["*"]`` wildcard,
and the refusals in Kratos's words (400, never a 500, nothing changed)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import BACKENDS
from tests.identity.conftest import Kratos, email, serve_identity

PASSWORD = "Manage-Sessions-0032!"


@pytest.fixture(scope="module", params=BACKENDS)
def k(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kratos]:
    """A server of its own: the wildcard ends every session of the network."""
    server = serve_identity(tmp_path_factory.mktemp(f"manage-{request.param}"), request.param, {})
    yield Kratos(server)
    server.stop()


def identity(k: Kratos) -> tuple[str, str]:
    address = email()
    body = {
        "schema_id": "default",
        "traits": {"email": address},
        "credentials": {"password": {"config": {"password": PASSWORD}}},
    }
    r = httpx.post(f"{k.server.urls['admin']}/admin/identities", json=body)
    assert r.status_code == 201, r.text
    return address, str(r.json()["id"])


def session(k: Kratos, address: str) -> tuple[str, str]:
    """A new api session: (token, id)."""
    public = k.server.urls["public"]
    flow = httpx.get(f"{public}/self-service/login/api").json()
    body = {"method": "password", "identifier": address, "password": PASSWORD}
    r = httpx.post(f"{public}/self-service/login?flow={flow['id']}", json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["session_token"]), str(r.json()["session"]["id"])


def manage(k: Kratos, body: Any) -> httpx.Response:
    return httpx.post(f"{k.server.urls['admin']}/admin/sessions", json=body)


def whoami(k: Kratos, token: str) -> int:
    url = f"{k.server.urls['public']}/sessions/whoami"
    return httpx.get(url, headers={"X-Session-Token": token}).status_code


def stored(k: Kratos, session_id: str) -> httpx.Response:
    return httpx.get(f"{k.server.urls['admin']}/admin/sessions/{session_id}")


def test_disable_by_identity_counts_only_active_sessions(k: Kratos) -> None:
    address, identity_id = identity(k)
    other, _ = identity(k)
    tokens = [session(k, address)[0] for _ in range(2)]
    kept, _ = session(k, other)
    r = manage(k, {"action": "disable", "identities": [identity_id]})
    assert r.status_code == 200 and r.json() == {"processed": 2, "more": False}
    assert [whoami(k, t) for t in tokens] == [401, 401]
    assert whoami(k, kept) == 200
    again = manage(k, {"action": "disable", "identities": [identity_id]})
    assert again.json() == {"processed": 0, "more": False}  # already inactive: skipped


def test_delete_by_session_removes_the_row(k: Kratos) -> None:
    address, _ = identity(k)
    token, sid = session(k, address)
    kept, kept_id = session(k, address)
    r = manage(k, {"action": "delete", "sessions": [sid, str(uuid.uuid4())]})
    assert r.json() == {"processed": 1, "more": False}
    assert stored(k, sid).status_code == 404 and whoami(k, token) == 401
    assert stored(k, kept_id).json()["active"] is True and whoami(k, kept) == 200


def test_the_wildcard_disables_every_session(k: Kratos) -> None:
    tokens = [session(k, identity(k)[0])[0] for _ in range(2)]
    r = manage(k, {"action": "disable", "identities": ["*"]})
    assert r.status_code == 200 and r.json()["processed"] >= 2 and r.json()["more"] is False
    assert [whoami(k, t) for t in tokens] == [401, 401]
    assert manage(k, {"action": "delete", "identities": ["*"]}).json()["processed"] >= 2
    assert httpx.get(f"{k.server.urls['admin']}/admin/sessions").json() == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"identities": ["*"]}, "The 'action' field must be one of 'disable' or 'delete'."),
        ({"action": "revoke", "identities": ["*"]}, "The 'action' field must be one of"),
        ({"action": "delete"}, "Exactly one of 'identities' or 'sessions'"),
        ({"action": "delete", "identities": [], "sessions": []}, "Exactly one of"),
        ({"action": "delete", "identities": ["*"], "sessions": ["*"]}, "Exactly one of"),
        ({"action": "delete", "sessions": ["*"]}, "the wildcard '*' is not accepted here"),
        ({"action": "delete", "identities": ["*", str(uuid.uuid4())]}, "wildcard '*' is not"),
        ({"action": "disable", "sessions": ["not-a-uuid"]}, "could not parse 'not-a-uuid'"),
        ({"action": "disable", "sessions": [str(uuid.uuid4())] * 501}, "at most 500 IDs"),
        ({"action": "disable", "sessions": [7]}, "Invalid JSON body."),
        ({"action": "disable", "sessions": "x"}, "Could not parse 'sessions' field"),
        (["disable"], "Invalid JSON body."),
    ],
)
def test_refusals_change_nothing(k: Kratos, body: Any, reason: str) -> None:
    token, _ = session(k, identity(k)[0])
    r = manage(k, body)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == 400 and reason in error["reason"]
    assert whoami(k, token) == 200
