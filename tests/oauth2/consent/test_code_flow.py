"""The authorization code flow end to end, on SQLite and PostgreSQL, over real sockets.

Authlib plays the relying party (PKCE S256), the test plays the login and
consent app through ``ory-hydra-client``, and PyJWT (not the JOSE library the
server signs with) verifies the ID token against the published JWKS.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import jwt
import pytest
from authlib.integrations.base_client.errors import OAuthError
from ory_hydra_client.api.o_auth2_api import OAuth2Api
from ory_hydra_client.exceptions import ApiException

from tests.oauth2.conftest import Hydra
from tests.oauth2.consent.flows import REDIRECT, Browser, admin_api, code_flow, new_rp, query


@pytest.fixture
def api(hydra: Hydra) -> Iterator[OAuth2Api]:
    with admin_api(hydra) as a:
        yield a


@pytest.fixture
def browser(hydra: Hydra) -> Iterator[Browser]:
    b = Browser(hydra)
    yield b
    b.close()


def _id_token(hydra: Hydra, token: str, audience: str) -> dict[str, object]:
    keys = jwt.PyJWKClient(f"{hydra.public}/.well-known/jwks.json")
    key = keys.get_signing_key_from_jwt(token)
    claims: dict[str, object] = jwt.decode(
        token, key.key, algorithms=["RS256"], audience=audience, issuer=hydra.public
    )
    return claims


def test_code_flow_with_pkce_id_token_and_userinfo(
    hydra: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    rp = new_rp(hydra)
    url, state = rp.authorization_url()
    login_challenge = browser.start(url)
    login = api.get_o_auth2_login_request(login_challenge)
    assert login.skip is False and login.client.client_id == rp.client["client_id"]
    assert login.requested_scope == ["openid", "offline"]
    consent_challenge = browser.login(
        api, login_challenge, subject="alice", acr="1", amr=["pwd"], context={"k": "v"}
    )
    consent = api.get_o_auth2_consent_request(consent_challenge)
    assert consent.subject == "alice" and consent.context == {"k": "v"} and consent.amr == ["pwd"]
    callback = browser.consent(
        api, consent_challenge, session={"id_token": {"email": "a@example.com"}}
    )
    assert callback.startswith(REDIRECT) and query(callback)["state"] == state
    token = rp.fetch_token(callback, state)
    assert token["token_type"] == "bearer" and token["refresh_token"].startswith("ory_rt_")
    claims = _id_token(hydra, token["id_token"], rp.client["client_id"])
    assert claims["sub"] == "alice" and claims["nonce"] == rp.nonce
    assert claims["acr"] == "1" and claims["amr"] == ["pwd"] and claims["email"] == "a@example.com"
    assert claims["sid"] == login.session_id and isinstance(claims["auth_time"], int)
    assert (
        claims["at_hash"]
        == jwt.utils.base64url_encode(
            __import__("hashlib").sha256(token["access_token"].encode()).digest()[:16]
        ).decode()
    )
    info = httpx.get(
        f"{hydra.public}/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert info.status_code == 200, info.text
    body = info.json()
    assert body["sub"] == "alice" and body["email"] == "a@example.com" and "nonce" not in body
    assert rp.client["client_id"] in body["aud"]


def test_a_replayed_code_fails_and_revokes_the_first_tokens(
    hydra: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    rp = new_rp(hydra)
    callback, state = code_flow(browser, api, rp)
    token = rp.fetch_token(callback, state)
    with pytest.raises(OAuthError) as err:
        rp.fetch_token(callback, state)
    assert err.value.error == "invalid_grant"
    active = httpx.post(
        f"{hydra.admin}/admin/oauth2/introspect", data={"token": token["access_token"]}
    )
    assert active.json() == {"active": False}
    refresh = httpx.post(
        f"{hydra.admin}/admin/oauth2/introspect", data={"token": token["refresh_token"]}
    )
    assert refresh.json() == {"active": False}


def test_pkce_mismatch_is_invalid_grant(hydra: Hydra, api: OAuth2Api, browser: Browser) -> None:
    rp = new_rp(hydra)
    callback, state = code_flow(browser, api, rp)
    with pytest.raises(OAuthError) as err:
        rp.fetch_token(callback, state, verifier="x" * 50)
    assert err.value.error == "invalid_grant"
    assert "code verifier" in (err.value.description or "")


def test_plain_pkce_is_accepted(hydra: Hydra, api: OAuth2Api, browser: Browser) -> None:
    rp = new_rp(hydra)
    # Authlib sends only S256 challenges; the plain one is added by hand.
    url, state = rp.oauth(code_challenge_method=None).create_authorization_url(
        f"{hydra.public}/oauth2/auth", nonce=rp.nonce
    )
    url += f"&code_challenge={rp.verifier}&code_challenge_method=plain"
    callback = browser.consent(api, browser.login(api, browser.start(url)))
    assert "access_token" in rp.fetch_token(callback, state)


def test_an_unregistered_redirect_uri_is_never_redirected_to(
    hydra: Hydra, browser: Browser
) -> None:
    rp = new_rp(hydra)
    response = browser.get(
        f"{hydra.public}/oauth2/auth?client_id={rp.client['client_id']}&response_type=code"
        "&scope=openid&state=abcdefghij&redirect_uri=https%3A%2F%2Fevil.example%2Fcb"
    )
    assert response.status_code == 400 and "location" not in response.headers
    assert response.json()["error"] == "invalid_request"


def test_errors_after_the_redirect_uri_is_trusted_go_to_the_client(
    hydra: Hydra, browser: Browser
) -> None:
    rp = new_rp(hydra)
    base = f"{hydra.public}/oauth2/auth?client_id={rp.client['client_id']}&redirect_uri={REDIRECT}"
    response = browser.get(f"{base}&response_type=token&state=abcdefghij")
    assert response.status_code == 303  # a token type: the error is in the fragment
    got = dict(parse_qsl(urlsplit(response.headers["location"]).fragment))
    assert got == {
        "error": "unsupported_response_type",
        "error_description": got["error_description"],
        "state": "abcdefghij",
    }
    response = browser.get(f"{base}&response_type=code&state=short")
    assert query(response.headers["location"])["error"] == "invalid_state"
    response = browser.get(f"{base}&response_type=code&state=abcdefghij&scope=admin")
    assert query(response.headers["location"])["error"] == "invalid_scope"
    response = browser.get(f"{base}&response_type=code&state=abcdefghij&prompt=none")
    assert query(response.headers["location"])["error"] == "login_required"


def test_used_and_tampered_challenges(hydra: Hydra, api: OAuth2Api, browser: Browser) -> None:
    rp = new_rp(hydra)
    url, _ = rp.authorization_url()
    login_challenge = browser.start(url)
    tampered = (
        login_challenge[:10] + ("A" if login_challenge[10] != "A" else "B") + login_challenge[11:]
    )
    with pytest.raises(ApiException) as err:
        api.get_o_auth2_login_request(tampered)
    assert err.value.status == 404
    consent_challenge = browser.login(api, login_challenge)
    with pytest.raises(ApiException) as err:
        api.get_o_auth2_login_request(login_challenge)
    assert err.value.status == 410 and url.split("?")[0] in err.value.body
    with pytest.raises(ApiException) as err:
        api.get_o_auth2_consent_request(login_challenge)  # a login challenge is no consent one
    assert err.value.status == 404
    done = api.accept_o_auth2_consent_request(consent_challenge)
    first = browser.get(done.redirect_to)
    assert first.status_code == 303 and "code=" in first.headers["location"]
    again = browser.get(done.redirect_to)  # the consent verifier works once
    assert again.status_code == 303
    assert query(again.headers["location"])["error"] == "access_denied"
    with pytest.raises(ApiException) as err:
        api.get_o_auth2_consent_request(consent_challenge)
    assert err.value.status == 410


def test_a_challenge_from_another_browser_is_refused(hydra: Hydra, api: OAuth2Api) -> None:
    rp = new_rp(hydra)
    url, _ = rp.authorization_url()
    victim, attacker = Browser(hydra), Browser(hydra)
    try:
        challenge = victim.start(url)
        done = api.accept_o_auth2_login_request(challenge, {"subject": "mallory"})
        response = attacker.get(done.redirect_to)
        assert response.status_code == 303
        assert query(response.headers["location"])["error"] == "request_forbidden"
    finally:
        victim.close()
        attacker.close()


def test_rejected_login_is_access_denied_at_the_client(
    hydra: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    rp = new_rp(hydra)
    url, state = rp.authorization_url()
    challenge = browser.start(url)
    done = api.reject_o_auth2_login_request(challenge, {"error_description": "no such user"})
    response = browser.get(done.redirect_to)
    got = query(response.headers["location"])
    assert got["error"] == "access_denied" and got["state"] == state
    assert "no such user" in got["error_description"]


def test_remembered_login_and_consent_are_skipped(
    hydra: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    rp = new_rp(hydra)
    url, _ = rp.authorization_url()
    consent = browser.login(api, browser.start(url), subject="bob", remember=True)
    browser.consent(api, consent, remember=True)
    url, state = rp.authorization_url()
    challenge = browser.start(url)
    login = api.get_o_auth2_login_request(challenge)
    assert login.skip is True and login.subject == "bob"
    consent = browser.login(api, challenge, subject="bob")
    assert api.get_o_auth2_consent_request(consent).skip is True
    callback = browser.consent(api, consent)
    assert "access_token" in rp.fetch_token(callback, state)
    url, _ = rp.authorization_url(prompt="login")
    assert api.get_o_auth2_login_request(browser.start(url)).skip is False
