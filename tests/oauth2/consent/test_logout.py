"""RP-initiated logout, the logout challenge and front/back-channel logout, over real sockets.

The test plays the logout UI through ``ory-hydra-client``; a small HTTP
receiver plays each client's ``backchannel_logout_uri`` and PyJWT (not the
server's JOSE library) verifies the logout token against the JWKS.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
import pytest
from ory_hydra_client.api.o_auth2_api import OAuth2Api
from ory_hydra_client.exceptions import ApiException

from tests.oauth2.conftest import Hydra
from tests.oauth2.consent.flows import RP, Browser, Receiver, admin_api, new_rp, query

POST_LOGOUT = "http://127.0.0.1:5555/logged-out"
FRONT = "http://127.0.0.1:5555/front?x=1"
EVENT = "http://schemas.openid.net/event/backchannel-logout"


@pytest.fixture
def api(hydra: Hydra) -> Iterator[OAuth2Api]:
    with admin_api(hydra) as a:
        yield a


@pytest.fixture
def browser(hydra: Hydra) -> Iterator[Browser]:
    b = Browser(hydra)
    yield b
    b.close()


def signed_in(browser: Browser, api: OAuth2Api, rp: RP, subject: str = "alice") -> dict[str, Any]:
    """A remembered login and a code flow; the token response (with ``id_token``)."""
    url, state = rp.authorization_url()
    consent = browser.login(api, browser.start(url), subject=subject, remember=True)
    return rp.fetch_token(browser.consent(api, consent), state)


def logout_url(hydra: Hydra, **params: str) -> str:
    return f"{hydra.public}/oauth2/sessions/logout?{urlencode(params)}"


def verify_logout_token(hydra: Hydra, token: str, audience: str) -> dict[str, Any]:
    keys = jwt.PyJWKClient(f"{hydra.public}/.well-known/jwks.json")
    claims: dict[str, Any] = jwt.decode(
        token,
        keys.get_signing_key_from_jwt(token).key,
        algorithms=["RS256"],
        audience=audience,
        issuer=hydra.public,
        options={"require": ["iat", "jti", "exp"]},
    )
    assert jwt.get_unverified_header(token)["typ"] == "logout+jwt"
    return claims


def test_rp_initiated_logout_with_front_and_back_channel(
    hydra: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    receiver = Receiver()
    try:
        rp = new_rp(
            hydra,
            post_logout_redirect_uris=[POST_LOGOUT],
            backchannel_logout_uri=receiver.url,
            frontchannel_logout_uri=FRONT,
        )
        token = signed_in(browser, api, rp)
        sid = jwt.decode(token["id_token"], options={"verify_signature": False})["sid"]
        response = browser.get(
            logout_url(
                hydra,
                id_token_hint=token["id_token"],
                post_logout_redirect_uri=POST_LOGOUT,
                state="a-state-value",
            )
        )
        assert response.status_code == 302, response.text
        challenge = query(response.headers["location"])["logout_challenge"]
        request = api.get_o_auth2_logout_request(challenge)
        assert request.subject == "alice" and request.sid == sid and request.rp_initiated
        assert request.client is not None and request.client.client_id == rp.client["client_id"]
        done = api.accept_o_auth2_logout_request(challenge)
        page = browser.get(done.redirect_to)
        assert page.status_code == 200, page.text
        assert f"{POST_LOGOUT}?state=a-state-value" in page.text
        assert "http://127.0.0.1:5555/front?x=1&amp;iss=" in page.text and sid in page.text
        assert 'ory_hydra_session=""' in page.headers["set-cookie"]
        form = receiver.wait()
        claims = verify_logout_token(hydra, form["logout_token"], rp.client["client_id"])
        assert claims["sid"] == sid and claims["sub"] == "alice"
        assert claims["events"] == {EVENT: {}} and "nonce" not in claims
        # The verifier works once; the request is then handled (410).
        again = browser.get(done.redirect_to)
        assert again.status_code == 400 and again.json()["error"] == "invalid_request"
        with pytest.raises(ApiException) as err:
            api.get_o_auth2_logout_request(challenge)
        assert err.value.status == 410
        # The login session is gone: the next authorization asks for a login again.
        url, _ = rp.authorization_url()
        assert api.get_o_auth2_login_request(browser.start(url)).skip is False
    finally:
        receiver.close()


def test_post_logout_redirect_uri_must_be_registered(
    hydra: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    rp = new_rp(hydra, post_logout_redirect_uris=[POST_LOGOUT])
    token = signed_in(browser, api, rp)
    for params in (
        {"id_token_hint": token["id_token"], "post_logout_redirect_uri": "https://evil.example/"},
        {"id_token_hint": token["id_token"], "post_logout_redirect_uri": POST_LOGOUT + "/x"},
        {"post_logout_redirect_uri": POST_LOGOUT},
        {"id_token_hint": token["id_token"][:-4] + "AAAA", "post_logout_redirect_uri": POST_LOGOUT},
        {"id_token_hint": "not-a-jwt"},
        {"state": "a-state-value"},
    ):
        response = browser.get(logout_url(hydra, **params))
        assert response.status_code == 400, (params, response.text)
        assert "location" not in response.headers
        body = response.json()
        assert body["error"] == "invalid_request" and body["status_code"] == 400


def test_logout_without_a_session_goes_straight_to_the_post_logout_uri(
    hydra: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    rp = new_rp(hydra, post_logout_redirect_uris=[POST_LOGOUT])
    token = signed_in(browser, api, rp)
    stranger = Browser(hydra)
    try:
        response = stranger.get(
            logout_url(
                hydra,
                id_token_hint=token["id_token"],
                post_logout_redirect_uri=POST_LOGOUT,
                state="a-state-value",
            )
        )
    finally:
        stranger.close()
    assert response.status_code == 302
    assert response.headers["location"] == f"{POST_LOGOUT}?state=a-state-value"
    # Without a hint and a session, the default post-logout page.
    response = httpx.get(logout_url(hydra), follow_redirects=True)
    assert response.status_code == 200 and "logged out" in response.text


def test_rejected_logout_keeps_the_session(hydra: Hydra, api: OAuth2Api, browser: Browser) -> None:
    rp = new_rp(hydra)
    signed_in(browser, api, rp)
    response = browser.get(logout_url(hydra))  # OP-initiated: from the cookie alone
    challenge = query(response.headers["location"])["logout_challenge"]
    assert api.get_o_auth2_logout_request(challenge).rp_initiated is False
    api.reject_o_auth2_logout_request(challenge)
    with pytest.raises(ApiException) as err:
        api.get_o_auth2_logout_request(challenge)
    assert err.value.status == 404
    url, _ = rp.authorization_url()
    assert api.get_o_auth2_login_request(browser.start(url)).skip is True


def test_back_channel_logout_is_retried_and_never_blocks_the_user(
    hydra: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    receiver = Receiver(statuses=(503,), delay=1.5)
    try:
        rp = new_rp(hydra, backchannel_logout_uri=receiver.url)
        signed_in(browser, api, rp)
        response = browser.get(logout_url(hydra))
        done = api.accept_o_auth2_logout_request(
            query(response.headers["location"])["logout_challenge"]
        )
        started = time.monotonic()
        final = browser.get(done.redirect_to)
        assert time.monotonic() - started < 1.0
        assert final.status_code == 302
        assert final.headers["location"].endswith("/oauth2/fallbacks/logout/callback")
        form = receiver.wait(timeout=15)
        assert len(receiver.forms) == 2 and receiver.forms[0] == form
        verify_logout_token(hydra, form["logout_token"], rp.client["client_id"])
    finally:
        receiver.close()


def test_unknown_and_malformed_logout_challenges(hydra: Hydra, api: OAuth2Api) -> None:
    with pytest.raises(ApiException) as err:
        api.get_o_auth2_logout_request("not-a-challenge")
    assert err.value.status == 404
    response = httpx.put(f"{hydra.admin}/admin/oauth2/auth/requests/logout/accept")
    assert response.status_code == 400 and response.json()["status_code"] == 400
