"""An independent, strict relying party: idpyoidc completes flows from Roost's discovery alone.

idpyoidc (the OpenID Foundation's Python stack, on cryptojwt) reads the
discovery document and JWKS, sends PKCE S256 and a nonce, and checks what it
gets back: the ID token's signature, ``iss``, ``aud``, ``nonce``, ``c_hash``,
the token response and userinfo (JSON, or the signed JWT). The test plays the
browser and the login/consent app, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptojwt.exception import BadSignature
from idpyoidc.client.rp_handler import RPHandler
from ory_hydra_client.api.o_auth2_api import OAuth2Api

from tests.oauth2.conftest import Hydra
from tests.oauth2.consent.flows import REDIRECT, Browser

PKCE = {"function": "idpyoidc.client.oauth2.add_on.pkce.add_support",
        "kwargs": {"code_challenge_length": 64, "code_challenge_method": "S256"}}  # fmt: skip


def relying_party(hydra: Hydra, response_type: str, userinfo_alg: str) -> RPHandler:
    client = hydra.create_client(
        grant_types=["authorization_code", "refresh_token"],
        response_types=[response_type],
        redirect_uris=[REDIRECT],
        scope="openid offline",
        userinfo_signed_response_alg=userinfo_alg,
    )
    preference: dict[str, Any] = {"response_types": [response_type],
                                  "token_endpoint_auth_method": "client_secret_basic"}  # fmt: skip
    if userinfo_alg != "none":
        preference["userinfo_signed_response_alg"] = userinfo_alg
    config = {"issuer": hydra.public, "client_id": client["client_id"],
              "client_secret": client["client_secret"], "redirect_uris": [REDIRECT],
              "client_type": "oidc", "preference": preference,
              "add_ons": {"pkce": PKCE}}  # fmt: skip
    return RPHandler(base_url="http://127.0.0.1:5555", client_configs={hydra.public: config},
                     key_conf={"key_defs": [{"type": "RSA", "use": ["sig"]}]})  # fmt: skip


def authorization_response(browser: Browser, api: OAuth2Api, url: str) -> dict[str, str]:
    consent = browser.login(api, browser.start(url), subject="strict-rp")
    callback = urlsplit(browser.consent(api, consent))
    return dict(parse_qsl(callback.fragment or callback.query))


@pytest.mark.parametrize(
    ("response_type", "userinfo_alg"), [("code", "none"), ("code id_token", "RS256")]
)
def test_idpyoidc_completes_the_flow(
    hydra: Hydra, api: OAuth2Api, browser: Browser, response_type: str, userinfo_alg: str
) -> None:
    rp = relying_party(hydra, response_type, userinfo_alg)
    url = rp.begin(issuer_id=hydra.public, req_args={"response_type": response_type})
    assert "code_challenge_method=S256" in url and "nonce=" in url
    result = rp.finalize(hydra.public, authorization_response(browser, api, url))
    assert "error" not in result, result
    assert result["id_token"]["sub"] == "strict-rp"
    assert result["userinfo"]["sub"] == "strict-rp"
    assert result["token"].startswith("ory_at_")
    if userinfo_alg == "RS256":
        assert "jti" in result["userinfo"]  # it came as a JWT, verified by idpyoidc


def test_idpyoidc_refuses_a_tampered_id_token(
    hydra: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    """The RP above is strict: the same flow with one altered signature byte fails."""
    rp = relying_party(hydra, "code id_token", "none")
    url = rp.begin(issuer_id=hydra.public, req_args={"response_type": "code id_token"})
    response = authorization_response(browser, api, url)
    head, body, signature = response["id_token"].split(".")
    altered = ("B" if signature[10] == "A" else "A").join((signature[:10], signature[11:]))
    response["id_token"] = f"{head}.{body}.{altered}"
    with pytest.raises(BadSignature):
        rp.finalize(hydra.public, response)
