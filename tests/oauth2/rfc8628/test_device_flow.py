"""The device authorization grant (RFC 8628) end to end, on SQLite and PostgreSQL.

The device is httpx polling the token endpoint; the user is a cookie-keeping
browser; the device, login and consent UI is the test, through
``ory-hydra-client``; PyJWT verifies the ID token against the JWKS.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from ory_hydra_client.api.o_auth2_api import OAuth2Api
from ory_hydra_client.exceptions import ApiException
from ory_hydra_client.models import AcceptDeviceUserCodeRequest, AcceptOAuth2LoginRequest

from tests.conftest import BACKENDS
from tests.oauth2.conftest import Hydra, serve_oauth2
from tests.oauth2.consent.flows import Browser, admin_api, query

GRANT = "urn:ietf:params:oauth:grant-type:device_code"
FAST_POLL = {"oauth2": {"device_authorization": {"token_polling_interval": "1s"}}}


@pytest.fixture(scope="module", params=BACKENDS)
def device_hydra(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hydra]:
    h = serve_oauth2(tmp_path_factory.mktemp(f"device-{request.param}"), request.param, FAST_POLL)
    yield h
    h.server.stop()


@pytest.fixture
def api(device_hydra: Hydra) -> Iterator[OAuth2Api]:
    with admin_api(device_hydra) as a:
        yield a


@pytest.fixture
def browser(device_hydra: Hydra) -> Iterator[Browser]:
    b = Browser(device_hydra)
    yield b
    b.close()


def _client(h: Hydra) -> dict[str, Any]:
    return h.create_client(
        grant_types=[GRANT, "refresh_token"],
        token_endpoint_auth_method="none",
        scope="openid offline",
    )


def _start(h: Hydra, client: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{h.public}/oauth2/device/auth",
        data={"client_id": client["client_id"], "scope": "openid offline"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _poll(h: Hydra, client: dict[str, Any], device_code: str) -> httpx.Response:
    return httpx.post(
        f"{h.public}/oauth2/token",
        data={"grant_type": GRANT, "device_code": device_code, "client_id": client["client_id"]},
    )


def _enter_code(browser: Browser, api: OAuth2Api, device: dict[str, Any]) -> str:
    """The user opens the verification URI and the UI accepts the code; the login challenge."""
    response = browser.get(device["verification_uri_complete"])
    assert response.status_code == 302, response.text
    params = query(response.headers["location"])
    assert params["user_code"] == device["user_code"]
    done = api.accept_user_code_request(
        params["device_challenge"], AcceptDeviceUserCodeRequest(user_code=params["user_code"])
    )
    response = browser.get(done.redirect_to)
    assert response.status_code == 302, response.text
    return query(response.headers["location"])["login_challenge"]


def _login_and_consent(browser: Browser, api: OAuth2Api, login_challenge: str) -> str:
    done = api.accept_o_auth2_login_request(
        login_challenge, AcceptOAuth2LoginRequest(subject="tv-user")
    )
    response = browser.get(done.redirect_to)
    consent_challenge = query(response.headers["location"])["consent_challenge"]
    consent = api.get_o_auth2_consent_request(consent_challenge)
    assert consent.skip is False and consent.requested_scope == ["openid", "offline"]
    accepted = api.accept_o_auth2_consent_request(
        consent_challenge, {"grant_scope": ["openid", "offline"]}
    )
    response = browser.get(accepted.redirect_to)
    assert response.status_code == 302, response.text
    return str(response.headers["location"])


def test_device_flow_end_to_end(device_hydra: Hydra, api: OAuth2Api, browser: Browser) -> None:
    h = device_hydra
    client = _client(h)
    device = _start(h, client)
    assert device["device_code"].startswith("ory_dc_") and len(device["user_code"]) == 8
    assert device["verification_uri"] == f"{h.public}/oauth2/device/verify"
    assert device["interval"] == 1 and device["expires_in"] == 600
    pending = _poll(h, client, device["device_code"])
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    fast = _poll(h, client, device["device_code"])
    assert fast.status_code == 400 and fast.json()["error"] == "slow_down"

    login_challenge = _enter_code(browser, api, device)
    login = api.get_o_auth2_login_request(login_challenge)
    assert login.client.client_id == client["client_id"]
    done = _login_and_consent(browser, api, login_challenge)
    assert done == f"{h.public}/oauth2/fallbacks/device/done"
    assert "authorized" in browser.get(done).text

    token = _poll(h, client, device["device_code"])
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"] == "bearer" and body["refresh_token"].startswith("ory_rt_")
    keys = jwt.PyJWKClient(f"{h.public}/.well-known/jwks.json")
    claims = jwt.decode(
        body["id_token"],
        keys.get_signing_key_from_jwt(body["id_token"]).key,
        algorithms=["RS256"],
        audience=client["client_id"],
        issuer=h.public,
    )
    assert claims["sub"] == "tv-user"
    info = httpx.post(
        f"{h.admin}/admin/oauth2/introspect", data={"token": body["access_token"]}
    ).json()
    assert info["active"] and info["sub"] == "tv-user" and info["client_id"] == client["client_id"]
    again = _poll(h, client, device["device_code"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    refreshed = httpx.post(
        f"{h.public}/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": client["client_id"],
        },
    )
    assert refreshed.status_code == 200, refreshed.text


def test_user_codes_work_once_and_bind_the_browser(
    device_hydra: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    h = device_hydra
    client = _client(h)
    device = _start(h, client)
    response = browser.get(f"{h.public}/oauth2/device/verify")
    challenge = query(response.headers["location"])["device_challenge"]
    with pytest.raises(ApiException) as err:
        api.accept_user_code_request(challenge, AcceptDeviceUserCodeRequest(user_code="BCDFGHJK"))
    assert err.value.status == 404
    # Dashes and case do not matter (§6.1).
    code = device["user_code"]
    typed = f"{code[:4].lower()}-{code[4:]}"
    done = api.accept_user_code_request(challenge, AcceptDeviceUserCodeRequest(user_code=typed))
    with pytest.raises(ApiException) as err:
        api.accept_user_code_request(challenge, AcceptDeviceUserCodeRequest(user_code=code))
    assert err.value.status == 400
    other = Browser(h)
    try:
        stolen = other.get(done.redirect_to)
    finally:
        other.close()
    assert stolen.status_code == 403 and stolen.json()["error"] == "request_forbidden"
    assert browser.get(done.redirect_to).status_code == 302
    replay = browser.get(done.redirect_to)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_request"


def test_a_rejected_consent_is_access_denied_for_the_device(
    device_hydra: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    h = device_hydra
    client = _client(h)
    device = _start(h, client)
    login_challenge = _enter_code(browser, api, device)
    done = api.accept_o_auth2_login_request(login_challenge, AcceptOAuth2LoginRequest(subject="x"))
    consent = query(browser.get(done.redirect_to).headers["location"])["consent_challenge"]
    rejected = api.reject_o_auth2_consent_request(consent, {"error": "access_denied"})
    response = browser.get(rejected.redirect_to)
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"{h.public}/oauth2/fallbacks/error?")
    assert query(response.headers["location"])["error"] == "access_denied"
    denied = _poll(h, client, device["device_code"])
    # fosite (and so Hydra) answers access_denied with 403.
    assert denied.status_code == 403 and denied.json()["error"] == "access_denied"


def test_device_authorization_refusals(device_hydra: Hydra) -> None:
    h = device_hydra
    url = f"{h.public}/oauth2/device/auth"
    code_only = h.create_client(
        grant_types=["authorization_code"], token_endpoint_auth_method="none"
    )
    for data in ({}, {"client_id": "nope"}, {"client_id": code_only["client_id"]},
                 {"client_id": _client(h)["client_id"], "scope": "admin"}):  # fmt: skip
        response = httpx.post(url, data=data)
        assert response.status_code in (400, 401), (data, response.text)
        assert response.json()["error"] in (
            "invalid_request", "invalid_client", "unauthorized_client", "invalid_scope"
        )  # fmt: skip
    bad = _poll(h, _client(h), "ory_dc_forged.sig")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"


def test_an_expired_device_code(tmp_path_factory: pytest.TempPathFactory) -> None:
    h = serve_oauth2(
        tmp_path_factory.mktemp("device-expiry"), "sqlite", {"ttl": {"device_user_code": "1s"}}
    )
    try:
        client = _client(h)
        device = _start(h, client)
        time.sleep(1.5)
        expired = _poll(h, client, device["device_code"])
        assert expired.status_code == 400 and expired.json()["error"] == "expired_token"
    finally:
        h.server.stop()
