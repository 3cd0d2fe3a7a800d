"""``oauth2.token_hook`` end to end, on SQLite and PostgreSQL: a real hook server over HTTP.

The hook answers from a script (200 with claims, 204, 403, 500, a bad body);
the effects are read back through introspection, the ID token (PyJWT) and
userinfo, and the requests the hook got are checked against Hydra's shape.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from ory_hydra_client.api.o_auth2_api import OAuth2Api

from tests.conftest import BACKENDS
from tests.oauth2.conftest import Hydra, serve_oauth2
from tests.oauth2.consent.flows import Browser, admin_api, code_flow, new_rp
from tests.oauth2.oidc.test_authorize_response import id_token

KEY = "a-hook-api-key"


class Hook:
    """The hook endpoint: records each call, answers ``status`` with ``body``."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, Any], dict[str, str]]] = []
        self.status, self.body = 204, b""
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                hook.calls.append((json.loads(self.rfile.read(length)), dict(self.headers)))
                self.send_response(hook.status)
                self.send_header("content-length", str(len(hook.body)))
                self.end_headers()
                self.wfile.write(hook.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, status: int, body: Any = None) -> None:
        self.status = status
        self.body = b"" if body is None else body if isinstance(body, bytes) else json.dumps(
            body).encode()  # fmt: skip


@pytest.fixture(scope="module")
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.server.shutdown()
    h.server.server_close()


@pytest.fixture(scope="module")
def refresh_hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.server.shutdown()
    h.server.server_close()


@pytest.fixture(scope="module", params=BACKENDS)
def h(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    hook: Hook,
    refresh_hook: Hook,
) -> Iterator[Hydra]:
    url = f"http://127.0.0.1:{hook.server.server_address[1]}/hook"
    refresh = f"http://127.0.0.1:{refresh_hook.server.server_address[1]}/r"
    config = {"oauth2": {"token_hook": {"url": url, "auth": {"type": "api_key", "config": {
        "in": "header", "name": "X-Hook-Key", "value": KEY}}},
        "refresh_token_hook": refresh}}  # fmt: skip
    server = serve_oauth2(tmp_path_factory.mktemp(f"hook-{request.param}"), request.param, config)
    yield server
    server.server.stop()


@pytest.fixture
def api(h: Hydra) -> Iterator[OAuth2Api]:
    with admin_api(h) as a:
        yield a


def client_credentials(h: Hydra, client: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{h.public}/oauth2/token", data={"grant_type": "client_credentials"},
                      auth=(client["client_id"], client["client_secret"]))  # fmt: skip


def test_the_hook_sets_access_token_claims(h: Hydra, hook: Hook, api: OAuth2Api) -> None:
    client = h.create_client(grant_types=["client_credentials"], scope="read")
    hook.answer(200, {"session": {"access_token": {"tier": "gold"}}})
    hook.calls.clear()
    token = client_credentials(h, client)
    assert token.status_code == 200, token.text
    assert api.introspect_o_auth2_token(token.json()["access_token"]).ext == {"tier": "gold"}
    body, headers = hook.calls[-1]
    assert headers["X-Hook-Key"] == KEY and headers["Content-Type"].startswith("application/json")
    assert body["request"]["client_id"] == client["client_id"]
    assert body["request"]["grant_types"] == ["client_credentials"]
    assert body["request"]["granted_scopes"] == [] and "session" in body
    hook.answer(204)
    token = client_credentials(h, client)
    assert token.status_code == 200 and api.introspect_o_auth2_token(
        token.json()["access_token"]).ext is None  # fmt: skip


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [(403, None, "access_denied", 403), (500, None, "server_error", 500),
     (200, b"not json", "server_error", 500), (200, {"session": []}, "server_error", 500)],
)  # fmt: skip
def test_hook_refusals_mint_nothing(
    h: Hydra, hook: Hook, status: int, body: Any, error: str, code: int
) -> None:
    client = h.create_client(grant_types=["client_credentials"])
    hook.answer(status, body)
    token = client_credentials(h, client)
    assert token.status_code == code and token.json()["error"] == error, token.text
    assert "access_token" not in token.json()
    hook.answer(204)


def test_the_hook_sets_id_token_and_userinfo_claims(h: Hydra, hook: Hook, api: OAuth2Api) -> None:
    rp = new_rp(h)
    browser = Browser(h)
    try:
        consent = {"session": {"id_token": {"from": "consent"}}}
        callback, state = code_flow(browser, api, rp, consent=consent)
    finally:
        browser.close()
    hook.answer(200, {"session": {"access_token": {"a": 1}, "id_token": {"from": "hook"}}})
    hook.calls.clear()
    token = rp.fetch_token(callback, state)
    hook.answer(204)
    body, _ = hook.calls[-1]
    assert body["request"]["grant_types"] == ["authorization_code"]
    assert body["session"]["id_token"]["id_token_claims"]["ext"] == {"from": "consent"}
    assert body["session"]["id_token"]["subject"] == "alice"
    claims = id_token(h, token["id_token"], rp.client["client_id"])
    assert claims["from"] == "hook" and claims["sub"] == "alice"
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    info = httpx.get(f"{h.public}/userinfo", headers=bearer).json()
    assert info["from"] == "hook"
    assert api.introspect_o_auth2_token(token["access_token"]).ext == {"a": 1}
    refreshed = httpx.post(f"{h.public}/oauth2/token", data={"grant_type": "refresh_token",
                           "refresh_token": token["refresh_token"]},
                           auth=(rp.client["client_id"], rp.client["client_secret"]))  # fmt: skip
    assert refreshed.status_code == 200 and hook.calls[-1][0]["request"]["grant_types"] == [
        "refresh_token"]  # fmt: skip


def test_the_refresh_token_hook_runs_for_refreshes_only_and_first(
    h: Hydra, hook: Hook, refresh_hook: Hook, api: OAuth2Api
) -> None:
    rp = new_rp(h)
    browser = Browser(h)
    try:
        callback, state = code_flow(browser, api, rp)
    finally:
        browser.close()
    refresh_hook.calls.clear()
    token = rp.fetch_token(callback, state)
    assert refresh_hook.calls == []  # not for the code grant
    refresh_hook.answer(200, {"session": {"access_token": {"refreshed": True}}})
    hook.answer(204)
    hook.calls.clear()
    refreshed = httpx.post(f"{h.public}/oauth2/token", data={"grant_type": "refresh_token",
                           "refresh_token": token["refresh_token"]},
                           auth=(rp.client["client_id"], rp.client["client_secret"]))  # fmt: skip
    refresh_hook.answer(204)
    assert refreshed.status_code == 200, refreshed.text
    body, _ = refresh_hook.calls[-1]
    assert body["subject"] == "alice" and body["client_id"] == rp.client["client_id"]
    assert body["requester"]["grant_types"] == ["refresh_token"]
    assert set(body["granted_scopes"]) == {"openid", "offline"}
    # token_hook ran after it and saw its claims; it kept them (204).
    assert hook.calls[-1][0]["session"]["extra"] == {"refreshed": True}
    assert api.introspect_o_auth2_token(refreshed.json()["access_token"]).ext == {"refreshed": True}
