"""Signed userinfo (OIDC Core §5.3.2): ``userinfo_signed_response_alg: RS256`` gives a JWT.

The JWT is verified with PyJWT against the published JWKS, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time

import httpx
import jwt
from ory_hydra_client.api.o_auth2_api import OAuth2Api

from tests.oauth2.conftest import Hydra
from tests.oauth2.consent.flows import Browser, code_flow, new_rp


def test_signed_userinfo(hydra: Hydra, api: OAuth2Api, browser: Browser) -> None:
    doc = httpx.get(f"{hydra.public}/.well-known/openid-configuration").json()
    assert doc["userinfo_signing_alg_values_supported"] == ["none", "RS256"]
    rp = new_rp(hydra, userinfo_signed_response_alg="RS256")
    callback, state = code_flow(
        browser, api, rp, consent={"session": {"id_token": {"email": "s@example.com"}}}
    )
    token = rp.fetch_token(callback, state)
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    for response in (
        httpx.get(doc["userinfo_endpoint"], headers=auth),
        httpx.post(doc["userinfo_endpoint"], data={"access_token": token["access_token"]}),
    ):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/jwt"
        key = jwt.PyJWKClient(doc["jwks_uri"]).get_signing_key_from_jwt(response.text)
        claims = jwt.decode(response.text, key.key, algorithms=["RS256"],
                            audience=rp.client["client_id"], issuer=doc["issuer"])  # fmt: skip
        assert claims["sub"] == "alice" and claims["email"] == "s@example.com"
        assert abs(claims["iat"] - time.time()) < 60 and claims["jti"]
        assert "nonce" not in claims and "at_hash" not in claims
    # The default (``none``) stays JSON; a bad token stays a JSON error.
    plain = new_rp(hydra)
    assert plain.client["userinfo_signed_response_alg"] == "none"
    callback, state = code_flow(browser, api, plain)
    token = plain.fetch_token(callback, state)
    response = httpx.get(doc["userinfo_endpoint"],
                         headers={"Authorization": f"Bearer {token['access_token']}"})  # fmt: skip
    assert response.headers["content-type"] == "application/json"
    assert response.json()["sub"] == "alice"
    refused = httpx.get(doc["userinfo_endpoint"], headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401 and refused.json()["error"] == "request_unauthorized"


def test_only_rs256_or_none(hydra: Hydra) -> None:
    response = httpx.post(
        f"{hydra.admin}/admin/clients", json={"userinfo_signed_response_alg": "HS256"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"
