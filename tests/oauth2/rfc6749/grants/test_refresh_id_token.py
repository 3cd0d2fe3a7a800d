"""A refresh with ``openid`` answers a new ID token (OIDC Core §12.2), as fosite does.

Over real sockets on SQLite and PostgreSQL; Authlib refreshes, PyJWT verifies.
"""

from __future__ import annotations

import time

import httpx

from tests.oauth2.conftest import Hydra
from tests.oauth2.consent.flows import Browser, admin_api, code_flow, new_rp
from tests.oauth2.oidc.test_authorize_response import half_hash, id_token


def test_refresh_answers_a_new_id_token(hydra: Hydra) -> None:
    rp = new_rp(hydra, refresh_token_grant_id_token_lifespan="5m")
    browser = Browser(hydra)
    try:
        with admin_api(hydra) as api:
            consent = {"session": {"id_token": {"email": "r@example.com"}}}
            callback, state = code_flow(browser, api, rp, consent=consent)
    finally:
        browser.close()
    first = rp.fetch_token(callback, state)
    before = id_token(hydra, first["id_token"], rp.client["client_id"])
    time.sleep(1)
    with rp.oauth() as oauth:
        refreshed = oauth.refresh_token(f"{hydra.public}/oauth2/token",
                                        refresh_token=first["refresh_token"])  # fmt: skip
    after = id_token(hydra, refreshed["id_token"], rp.client["client_id"])
    assert after["sub"] == before["sub"] == "alice" and after["email"] == "r@example.com"
    assert after["auth_time"] == before["auth_time"] and after["sid"] == before["sid"]
    assert after["iat"] > before["iat"] and after["exp"] - after["iat"] == 300
    assert after["jti"] != before["jti"] and "nonce" not in after
    assert after["at_hash"] == half_hash(refreshed["access_token"]) and "c_hash" not in after
    # Without ``openid`` in the refresh's scope: no ID token.
    plain = httpx.post(f"{hydra.public}/oauth2/token", data={"grant_type": "refresh_token",
                       "refresh_token": refreshed["refresh_token"], "scope": "offline"},
                       auth=(rp.client["client_id"], rp.client["client_secret"]))  # fmt: skip
    assert plain.status_code == 200 and "id_token" not in plain.json()
