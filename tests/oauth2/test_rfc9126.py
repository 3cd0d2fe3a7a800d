"""Pushed authorization requests (RFC 9126) over real sockets, on every backend.

The relying party pushes with plain httpx (client_secret_basic), the browser
then carries only ``client_id`` and ``request_uri``; the rest of the flow is the
ordinary one (``ory-hydra-client`` as the login/consent app, Authlib's token
exchange).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from ory_hydra_client.api.o_auth2_api import OAuth2Api

from roost.oauth2.rfc9126 import URN
from tests.conftest import BACKENDS
from tests.oauth2.conftest import Hydra, serve_oauth2
from tests.oauth2.consent.flows import RP, Browser, admin_api, new_rp, query

TTL = 2  # seconds a request_uri lives on these servers


@pytest.fixture(scope="module", params=BACKENDS)
def h(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hydra]:
    config = {"oauth2": {"pushed_authorization_requests": {"enabled": True, "ttl": f"{TTL}s"}}}
    server = serve_oauth2(tmp_path_factory.mktemp(f"par-{request.param}"), request.param, config)
    yield server
    server.server.stop()


@pytest.fixture
def api(h: Hydra) -> Iterator[OAuth2Api]:
    with admin_api(h) as a:
        yield a


@pytest.fixture
def browser(h: Hydra) -> Iterator[Browser]:
    b = Browser(h)
    yield b
    b.close()


def pushed_params(rp: RP) -> tuple[dict[str, str], str]:
    """The authorization request Authlib would have sent (PKCE, state, nonce), and its state."""
    url, state = rp.authorization_url()
    return query(url), state


def push(rp: RP, params: dict[str, str], auth: Any = "client") -> httpx.Response:
    credentials = (rp.client["client_id"], rp.client["client_secret"]) if auth == "client" else auth
    return httpx.post(f"{rp.hydra.public}/oauth2/par", data=params, auth=credentials)


def auth_url(rp: RP, request_uri: str, **extra: str) -> str:
    params = {"client_id": rp.client["client_id"], "request_uri": request_uri, **extra}
    return f"{rp.hydra.public}/oauth2/auth?{urlencode(params)}"


def test_a_pushed_request_completes_the_code_flow(
    h: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    rp = new_rp(h)
    params, state = pushed_params(rp)
    pushed = push(rp, params)
    assert pushed.status_code == 201, pushed.text
    body = pushed.json()
    assert body["request_uri"].startswith(URN) and body["expires_in"] == TTL
    assert pushed.headers["cache-control"] == "no-store"

    challenge = browser.start(auth_url(rp, body["request_uri"]))
    login = api.get_o_auth2_login_request(challenge)
    assert login.requested_scope == ["openid", "offline"]  # the pushed parameters
    assert "code_challenge=" in login.request_url
    callback = browser.consent(api, browser.login(api, challenge))
    assert query(callback)["state"] == state
    token = rp.fetch_token(callback, state)
    assert token["id_token"] and token["refresh_token"]


def test_a_request_uri_works_once(h: Hydra, browser: Browser) -> None:
    rp = new_rp(h)
    uri = push(rp, pushed_params(rp)[0]).json()["request_uri"]
    assert browser.get(auth_url(rp, uri)).status_code == 302
    again = browser.get(auth_url(rp, uri))
    assert again.status_code == 400 and "location" not in again.headers
    assert again.json()["error"] == "invalid_request_uri"


def test_an_expired_request_uri_is_refused(h: Hydra, browser: Browser) -> None:
    rp = new_rp(h)
    uri = push(rp, pushed_params(rp)[0]).json()["request_uri"]
    time.sleep(TTL + 0.5)
    late = browser.get(auth_url(rp, uri))
    assert late.status_code == 400 and late.json()["error"] == "invalid_request_uri"


def test_parameters_beside_the_request_uri_are_refused(h: Hydra, browser: Browser) -> None:
    rp = new_rp(h)
    uri = push(rp, pushed_params(rp)[0]).json()["request_uri"]
    smuggled = browser.get(auth_url(rp, uri, scope="openid offline profile"))
    assert smuggled.status_code == 400 and smuggled.json()["error"] == "invalid_request"
    assert "scope" in smuggled.json()["error_description"]
    assert browser.get(auth_url(rp, uri)).status_code == 302  # refused before it was spent


def test_another_clients_request_uri_is_refused(h: Hydra, browser: Browser) -> None:
    rp, other = new_rp(h), new_rp(h)
    uri = push(rp, pushed_params(rp)[0]).json()["request_uri"]
    stolen = browser.get(auth_url(other, uri))
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_request_uri"
    unknown = browser.get(auth_url(rp, URN + "not-issued"))
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_request_uri"


@pytest.mark.parametrize("auth", [None, ("nobody", "x"), "wrong-secret"])
def test_pushing_needs_client_authentication(h: Hydra, auth: Any) -> None:
    rp = new_rp(h)
    params = pushed_params(rp)[0]
    if auth == "wrong-secret":
        auth = (rp.client["client_id"], "not-the-secret")
    refused = (
        push(rp, params, auth=auth) if auth else httpx.post(f"{h.public}/oauth2/par", data=params)
    )
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"


def test_an_invalid_pushed_request_is_answered_not_stored(h: Hydra) -> None:
    rp = new_rp(h)
    params = pushed_params(rp)[0]
    bad_redirect = push(rp, {**params, "redirect_uri": "https://evil.example/cb"})
    assert bad_redirect.status_code == 400 and bad_redirect.json()["error"] == "invalid_request"
    bad_scope = push(rp, {**params, "scope": "openid admin"})
    assert bad_scope.status_code == 400 and bad_scope.json()["error"] == "invalid_scope"
    nested = push(rp, {**params, "request_uri": URN + "x"})
    assert nested.status_code == 400 and nested.json()["error"] == "invalid_request"
    impostor = push(rp, {**params, "client_id": "someone-else"})
    assert impostor.status_code == 401


def test_a_client_can_require_pushed_requests(h: Hydra, browser: Browser) -> None:
    rp = new_rp(h, metadata={"require_pushed_authorization_requests": True})
    direct = browser.get(rp.authorization_url()[0])
    assert direct.status_code == 400 and direct.json()["error"] == "invalid_request"
    uri = push(rp, pushed_params(rp)[0]).json()["request_uri"]
    assert browser.get(auth_url(rp, uri)).status_code == 302
    plain = new_rp(h)  # other clients are not affected
    assert browser.get(plain.authorization_url()[0]).status_code == 302


def test_discovery_lists_the_endpoint_while_on(h: Hydra) -> None:
    doc = httpx.get(f"{h.public}/.well-known/openid-configuration").json()
    assert doc["pushed_authorization_request_endpoint"] == f"{h.public}/oauth2/par"
    assert doc["require_pushed_authorization_requests"] is False


def test_par_is_off_by_default(hydra: Hydra) -> None:
    doc = httpx.get(f"{hydra.public}/.well-known/openid-configuration").json()
    assert "pushed_authorization_request_endpoint" not in doc
    rp = new_rp(hydra)
    assert push(rp, pushed_params(rp)[0]).status_code == 404
    refused = httpx.get(auth_url(rp, URN + "x"))
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_request"


def test_a_server_can_require_pushed_requests(tmp_path_factory: pytest.TempPathFactory) -> None:
    config = {"oauth2": {"pushed_authorization_requests": {"required": True}}}
    server = serve_oauth2(tmp_path_factory.mktemp("par-required"), "sqlite", config)
    try:
        doc = httpx.get(f"{server.public}/.well-known/openid-configuration").json()
        assert doc["require_pushed_authorization_requests"] is True
        rp = new_rp(server)
        direct = httpx.get(rp.authorization_url()[0])
        assert direct.status_code == 400 and "Pushed" in direct.json()["error_description"]
        pushed = push(rp, pushed_params(rp)[0])
        assert pushed.status_code == 201 and pushed.json()["expires_in"] == 60
        assert httpx.get(auth_url(rp, pushed.json()["request_uri"])).status_code == 302
    finally:
        server.server.stop()


def test_bad_input_is_refused_never_a_500(h: Hydra) -> None:
    rp = new_rp(h)
    creds = (rp.client["client_id"], rp.client["client_secret"])
    bodies: list[dict[str, Any]] = [
        {"content": b'{"scope": "openid"}', "headers": {"content-type": "application/json"}},
        {
            "content": b"scope=%ZZ&state=%",
            "headers": {"content-type": "application/x-www-form-urlencoded"},
        },
        {"data": {"response_type": "code", "state": "x" * 20, "redirect_uri": "\x00"}},
        {"data": {"response_type": "code" * 5000}},
        {"content": b"state=a&state=b&response_type=code"},
    ]
    for body in bodies:
        answer = httpx.post(f"{h.public}/oauth2/par", auth=creds, **body)
        assert 400 <= answer.status_code < 500, answer.text
        assert answer.json()["error"]
    for uri in ("", "x", URN, URN + "\u00e9" * 300, URN + "a" * 10_000):
        answer = httpx.get(
            f"{h.public}/oauth2/auth",
            params={"client_id": rp.client["client_id"], "request_uri": uri},
        )
        assert answer.status_code == 400 and answer.json()["error"] in (
            "invalid_request",
            "invalid_request_uri",
        )
    nobody = httpx.get(f"{h.public}/oauth2/auth", params={"request_uri": URN + "x"})
    assert nobody.status_code == 400


def test_unstorable_text_in_a_flow_is_refused_on_every_backend(h: Hydra) -> None:
    """The flow row is written by hand-written SQL (decision 0031): a value PostgreSQL
    refuses (NUL) is a 400 there and on SQLite alike, never a 500 or a stored row."""
    value = "nul\x00here"
    rp = new_rp(h)
    params = pushed_params(rp)[0]
    direct = httpx.get(f"{h.public}/oauth2/auth", params={**params, "login_hint": value})
    assert direct.status_code == 400, direct.text
    pushed = push(rp, {**params, "login_hint": value})
    assert pushed.status_code == 400, pushed.text
