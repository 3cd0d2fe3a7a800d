"""Discovery tells the truth: a relying party that reads only the discovery document can use
every endpoint, grant, response type and mode, PKCE method, client authentication method
and scope it lists, on SQLite and PostgreSQL.

Every URL comes from the document; a new ``*_endpoint`` without a check here fails
the test. Front- and back-channel logout (the four logout flags) are exercised in
``tests/oauth2/consent/test_logout.py``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from ory_hydra_client.api.o_auth2_api import OAuth2Api
from ory_hydra_client.models import AcceptDeviceUserCodeRequest, AcceptOAuth2LoginRequest

from tests.conftest import BACKENDS
from tests.oauth2.conftest import Hydra, serve_oauth2
from tests.oauth2.consent.flows import REDIRECT, Browser, admin_api, query

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
POST_LOGOUT = "http://127.0.0.1:5555/bye"
ENDPOINTS = {
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "revocation_endpoint",
    "end_session_endpoint",
    "device_authorization_endpoint",
    "registration_endpoint",
}


@pytest.fixture(scope="module", params=BACKENDS)
def h(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hydra]:
    config = {"oidc": {"dynamic_client_registration": {"enabled": True}}}
    server = serve_oauth2(tmp_path_factory.mktemp(f"disco-{request.param}"), request.param, config)
    yield server
    server.server.stop()


class RP:
    """A relying party configured from the discovery document alone."""

    def __init__(self, h: Hydra, doc: dict[str, Any], method: str, grants: list[str]) -> None:
        self.doc = doc
        self.method = method
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        body: dict[str, Any] = {
            "grant_types": grants,
            "response_types": doc["response_types_supported"],
            "redirect_uris": [REDIRECT],
            "post_logout_redirect_uris": [POST_LOGOUT],
            "scope": " ".join(doc["scopes_supported"]),
            "token_endpoint_auth_method": method,
        }
        if method == "private_key_jwt":
            public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            body["jwks"] = {"keys": [{**public, "kid": "k", "alg": "RS256", "use": "sig"}]}
        self.client = h.create_client(**body)
        self.id = self.client["client_id"]

    def post(self, url: str, form: dict[str, str]) -> httpx.Response:
        """A token-endpoint-style request, authenticated the client's way."""
        auth = None
        if self.method == "client_secret_basic":
            auth = (self.id, self.client["client_secret"])
        elif self.method == "client_secret_post":
            form = {**form, "client_id": self.id, "client_secret": self.client["client_secret"]}
        elif self.method == "none":
            form = {**form, "client_id": self.id}
        else:
            now = int(time.time())
            claims = {"iss": self.id, "sub": self.id, "aud": self.doc["token_endpoint"],
                      "jti": str(uuid.uuid4()), "iat": now, "exp": now + 60}  # fmt: skip
            assertion = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k"})
            form = {**form, "client_assertion_type": ASSERTION, "client_assertion": assertion}
        return httpx.post(url, data=form, auth=auth)


def _code_flow(
    browser: Browser, api: OAuth2Api, rp: RP, pkce: str, mode: str, scope: str
) -> dict[str, Any]:
    verifier = secrets.token_urlsafe(48)
    challenge = (
        verifier
        if pkce == "plain"
        else base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        .rstrip(b"=")
        .decode()
    )
    params = {
        "client_id": rp.id,
        "response_type": rp.doc["response_types_supported"][0],
        "response_mode": mode,
        "scope": scope,
        "redirect_uri": REDIRECT,
        "state": secrets.token_urlsafe(12),
        "nonce": secrets.token_urlsafe(12),
        "code_challenge": challenge,
        "code_challenge_method": pkce,
    }
    url = str(httpx.URL(rp.doc["authorization_endpoint"], params=params))
    got = _answer(browser, api, url, mode)
    assert got["state"] == params["state"]
    response = rp.post(
        rp.doc["token_endpoint"],
        {"grant_type": "authorization_code", "code": got["code"], "redirect_uri": REDIRECT,
         "code_verifier": verifier},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    token: dict[str, Any] = response.json()
    claims = jwt.decode(token["id_token"], options={"verify_signature": False})
    assert claims["nonce"] == params["nonce"]
    return token


def _answer(browser: Browser, api: OAuth2Api, url: str, mode: str) -> dict[str, str]:
    """Login and consent as "walker"; the parameters the client receives in ``mode``."""
    consent = browser.login(api, browser.start(url), subject="walker")
    done = api.accept_o_auth2_consent_request(consent, {"grant_scope": ["openid", "offline"]})
    response = browser.get(done.redirect_to)
    if mode == "form_post":
        assert response.status_code == 200 and f'action="{REDIRECT}"' in response.text
        return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', response.text))
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    if mode == "fragment":
        return dict(parse_qsl(urlsplit(location).fragment))
    return query(location)


def _implicit_and_hybrid(browser: Browser, api: OAuth2Api, rp: RP) -> None:
    """Every response type listed, in the default mode, through ``rp`` (which has them all)."""
    for response_type in rp.doc["response_types_supported"]:
        params = {"client_id": rp.id, "response_type": response_type, "scope": "openid offline",
                  "redirect_uri": REDIRECT, "state": secrets.token_urlsafe(12),
                  "nonce": secrets.token_urlsafe(12)}  # fmt: skip
        url = str(httpx.URL(rp.doc["authorization_endpoint"], params=params))
        got = _answer(browser, api, url, "query" if response_type == "code" else "fragment")
        assert got["state"] == params["state"]
        expected = {"token": "access_token"}
        for part in response_type.split():
            assert expected.get(part, part) in got, (response_type, got)


def _device_flow(browser: Browser, api: OAuth2Api, rp: RP) -> dict[str, Any]:
    response = rp.post(rp.doc["device_authorization_endpoint"], {"scope": "openid offline"})
    assert response.status_code == 200, response.text
    device = response.json()
    poll = {"grant_type": DEVICE, "device_code": device["device_code"]}
    assert rp.post(rp.doc["token_endpoint"], poll).json()["error"] == "authorization_pending"
    start = browser.get(device["verification_uri_complete"])
    challenge = query(start.headers["location"])["device_challenge"]
    done = api.accept_user_code_request(
        challenge, AcceptDeviceUserCodeRequest(user_code=device["user_code"])
    )
    login = query(browser.get(done.redirect_to).headers["location"])["login_challenge"]
    accepted = api.accept_o_auth2_login_request(login, AcceptOAuth2LoginRequest(subject="tv"))
    consent = query(browser.get(accepted.redirect_to).headers["location"])["consent_challenge"]
    finished = api.accept_o_auth2_consent_request(consent, {"grant_scope": ["openid", "offline"]})
    assert browser.get(finished.redirect_to).status_code == 302
    token = rp.post(rp.doc["token_endpoint"], poll)
    assert token.status_code == 200, token.text
    body: dict[str, Any] = token.json()
    return body


def test_every_listed_endpoint_grant_and_method_works(h: Hydra) -> None:
    doc = httpx.get(f"{h.public}/.well-known/openid-configuration").json()
    assert httpx.get(f"{h.public}/.well-known/oauth-authorization-server").json() == doc
    assert doc["issuer"] == h.public
    listed = {k for k in doc if k.endswith("_endpoint")}
    assert listed == ENDPOINTS, "a listed endpoint has no check here (or one went missing)"
    assert all(doc[k].startswith(h.public) for k in listed)
    keys = jwt.PyJWKClient(doc["jwks_uri"])
    grants = doc["grant_types_supported"]
    exercised: set[str] = set()
    browser = Browser(h)
    try:
        with admin_api(h) as api:
            # Every client authentication method, PKCE method, response mode and scope.
            combos = [
                (method, pkce, mode)
                for method in doc["token_endpoint_auth_methods_supported"]
                for pkce in doc["code_challenge_methods_supported"]
                for mode in doc["response_modes_supported"]
            ]
            offline = [s for s in doc["scopes_supported"] if s != "openid"]
            last: tuple[RP, dict[str, Any]] | None = None
            for i, (method, pkce, mode) in enumerate(combos):
                rp = RP(h, doc, method, [g for g in grants if g != "client_credentials"]
                        if method == "none" else grants)  # fmt: skip
                scope = f"openid {offline[i % len(offline)]}"
                token = _code_flow(browser, api, rp, pkce, mode, scope)
                exercised.add("authorization_code")
                signing = keys.get_signing_key_from_jwt(token["id_token"])
                claims = jwt.decode(
                    token["id_token"],
                    signing.key,
                    algorithms=doc["id_token_signing_alg_values_supported"],
                    audience=rp.id,
                    issuer=doc["issuer"],
                )
                assert set(claims) - {"jti"} <= set(doc["claims_supported"]), claims
                assert claims["sub"] == "walker"  # subject type "public"
                refreshed = rp.post(
                    doc["token_endpoint"],
                    {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
                )
                assert refreshed.status_code == 200, refreshed.text
                exercised.add("refresh_token")
                if "client_credentials" in rp.client["grant_types"]:
                    cc = rp.post(doc["token_endpoint"], {"grant_type": "client_credentials"})
                    assert cc.status_code == 200, cc.text
                    exercised.add("client_credentials")
                last = rp, refreshed.json() | {"id_token": token["id_token"]}
            assert last is not None
            rp, token = last

            info = httpx.get(
                doc["userinfo_endpoint"],
                headers={"Authorization": f"Bearer {token['access_token']}"},
            )
            assert info.status_code == 200 and info.json()["sub"] == "walker"

            revoked = rp.post(doc["revocation_endpoint"], {"token": token["access_token"]})
            assert revoked.status_code == 200, revoked.text
            again = httpx.get(
                doc["userinfo_endpoint"],
                headers={"Authorization": f"Bearer {token['access_token']}"},
            )
            assert again.status_code == 401

            _implicit_and_hybrid(browser, api, rp)
            exercised.add("implicit")

            device = _device_flow(browser, api, rp)
            assert device["access_token"] and device["id_token"]
            exercised.add(DEVICE)

            # RP-initiated logout (the browser holds no remembered login: straight back).
            logout = httpx.get(
                doc["end_session_endpoint"],
                params={
                    "id_token_hint": token["id_token"],
                    "post_logout_redirect_uri": POST_LOGOUT,
                    "state": "a-state-value",
                },
            )
            assert logout.status_code == 302
            assert logout.headers["location"] == f"{POST_LOGOUT}?state=a-state-value"
            for flag in ("frontchannel_logout_supported", "backchannel_logout_supported"):
                assert doc[flag] is True

            registered = httpx.post(doc["registration_endpoint"], json={"client_name": "dcr"})
            assert registered.status_code == 201, registered.text
    finally:
        browser.close()
    assert exercised == set(grants), f"grants listed but not exercised: {set(grants) - exercised}"
    assert doc["request_parameter_supported"] is False
    assert doc["claims_parameter_supported"] is False
