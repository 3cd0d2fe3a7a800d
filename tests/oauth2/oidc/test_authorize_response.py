"""Implicit and hybrid flows end to end (OIDC Core §3.2, §3.3), on SQLite and PostgreSQL.

The browser is httpx, the login/consent app the test through ``ory-hydra-client``;
ID tokens are verified with PyJWT against the published JWKS (the server signs
with joserfc), ``at_hash``/``c_hash`` recomputed here; hybrid codes are
redeemed by Authlib with PKCE.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import jwt
import pytest
from ory_hydra_client.api.o_auth2_api import OAuth2Api

from tests.oauth2.conftest import Hydra
from tests.oauth2.consent.flows import REDIRECT, RP, Browser, admin_api, new_rp, query

TYPES = ["token", "id_token", "id_token token", "code id_token", "code token",
         "code id_token token"]  # fmt: skip
GRANTS = ["authorization_code", "implicit", "refresh_token"]


def half_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def fragment(location: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(location).fragment))


def id_token(hydra: Hydra, token: str, audience: str) -> dict[str, Any]:
    key = jwt.PyJWKClient(f"{hydra.public}/.well-known/jwks.json").get_signing_key_from_jwt(token)
    claims: dict[str, Any] = jwt.decode(
        token, key.key, algorithms=["RS256"], audience=audience, issuer=hydra.public
    )
    return claims


def auth_url(rp: RP, response_type: str, **extra: str) -> str:
    params = {
        "client_id": rp.client["client_id"],
        "response_type": response_type,
        "redirect_uri": REDIRECT,
        "scope": "openid offline",
        "state": "a-state-value",
        "nonce": rp.nonce,
        **extra,
    }
    return str(httpx.URL(f"{rp.hydra.public}/oauth2/auth", params=params))


def through_consent(browser: Browser, api: OAuth2Api, url: str) -> httpx.Response:
    """Login and consent accepted; the endpoint's last answer (redirect or form_post page)."""
    consent = browser.login(api, browser.start(url), subject="imp")
    done = api.accept_o_auth2_consent_request(
        consent, {"grant_scope": ["openid", "offline"], "session": {"id_token": {"k": "v"}}}
    )
    return browser.get(done.redirect_to)


@pytest.mark.parametrize("response_type", TYPES)
def test_every_response_type_in_the_fragment(
    hydra: Hydra, api: OAuth2Api, browser: Browser, response_type: str
) -> None:
    rp = new_rp(hydra, grant_types=GRANTS, response_types=[response_type])
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    url = auth_url(rp, response_type, code_challenge=challenge.rstrip(b"=").decode(),
                   code_challenge_method="S256")  # fmt: skip
    response = through_consent(browser, api, url)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(f"{REDIRECT}#") and not urlsplit(location).query
    got = fragment(location)
    types = set(response_type.split())
    assert got["state"] == "a-state-value" and got["scope"] == "openid offline"
    assert ("code" in got) == ("code" in types)
    assert ("access_token" in got) == ("token" in types)
    assert ("id_token" in got) == ("id_token" in types)
    assert "refresh_token" not in got  # never from the authorization endpoint
    if "id_token" in got:
        claims = id_token(hydra, got["id_token"], rp.client["client_id"])
        assert claims["sub"] == "imp" and claims["nonce"] == rp.nonce and claims["k"] == "v"
        assert claims.get("at_hash") == (half_hash(got["access_token"]) if "token" in types
                                         else None)  # fmt: skip
        assert claims.get("c_hash") == (half_hash(got["code"]) if "code" in types else None)
    if "access_token" in got:
        assert got["token_type"] == "bearer" and int(got["expires_in"]) > 0
        info = httpx.get(
            f"{hydra.public}/userinfo", headers={"Authorization": f"Bearer {got['access_token']}"}
        )
        assert info.status_code == 200 and info.json()["sub"] == "imp", info.text
        assert info.json()["k"] == "v"
    if "code" in got:
        callback = f"{REDIRECT}?code={got['code']}&state=a-state-value"
        token = rp.fetch_token(callback, "a-state-value", verifier)
        assert token["refresh_token"].startswith("ory_rt_")
        claims = id_token(hydra, token["id_token"], rp.client["client_id"])
        assert claims["nonce"] == rp.nonce and claims["sub"] == "imp"


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.action = a.get("action") or ""
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a.get("name") or ""] = a.get("value") or ""


def form_post(response: httpx.Response) -> _Form:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    parsed = _Form()
    parsed.feed(response.text)
    return parsed


def test_form_post_response_mode(hydra: Hydra, api: OAuth2Api, browser: Browser) -> None:
    rp = new_rp(hydra, grant_types=GRANTS, response_types=["code id_token", "code"])
    url = auth_url(rp, "code id_token", response_mode="form_post")
    page = form_post(through_consent(browser, api, url))
    assert page.action == REDIRECT
    assert page.fields["state"] == "a-state-value" and page.fields["code"].startswith("ory_ac_")
    claims = id_token(hydra, page.fields["id_token"], rp.client["client_id"])
    assert claims["c_hash"] == half_hash(page.fields["code"])
    # ``code`` in form_post too; and an error after validation is posted, not redirected.
    page = form_post(through_consent(browser, api, auth_url(rp, "code", response_mode="form_post")))
    assert page.action == REDIRECT and page.fields["code"].startswith("ory_ac_")
    refused = form_post(browser.get(auth_url(rp, "code", response_mode="form_post",
                                             state="short")))  # fmt: skip
    assert refused.action == REDIRECT and refused.fields["error"] == "invalid_state"


def test_form_post_to_an_unregistered_redirect_never_happens(
    hydra: Hydra, browser: Browser
) -> None:
    rp = new_rp(hydra, grant_types=GRANTS, response_types=["id_token"])
    url = auth_url(rp, "id_token", response_mode="form_post",
                   redirect_uri="https://evil.example/cb")  # fmt: skip
    response = browser.get(url)
    assert response.status_code == 400 and "location" not in response.headers
    assert response.json()["error"] == "invalid_request" and "evil" not in response.text


def _refused(browser: Browser, url: str) -> dict[str, str]:
    """The error the client gets in the fragment, before any login screen."""
    response = browser.get(url)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT) and "login_challenge" not in location
    return fragment(location)


def test_refusals(hydra: Hydra, browser: Browser) -> None:
    rp = new_rp(hydra, grant_types=GRANTS, response_types=["id_token token", "code"])
    got = _refused(browser, auth_url(rp, "id_token token", nonce=""))
    assert got["error"] == "invalid_request" and "nonce" in got["error_description"]
    assert got["state"] == "a-state-value"
    got = _refused(browser, auth_url(rp, "code id_token"))  # not registered for this client
    assert got["error"] == "unsupported_response_type"
    got = _refused(browser, auth_url(rp, "id_token token", response_mode="query"))
    assert got["error"] == "unsupported_response_mode"
    got = _refused(browser, auth_url(rp, "id_token token", scope="offline"))  # no openid
    assert got["error"] == "unsupported_response_type"
    got = _refused(browser, auth_url(rp, "id_token token", nonce="short"))
    assert got["error"] == "invalid_request"
    no_implicit = new_rp(hydra, grant_types=["authorization_code"], response_types=["token"])
    got = _refused(browser, auth_url(no_implicit, "token", scope="offline"))
    assert got["error"] == "invalid_grant" and "implicit" in got["error_description"]
    # ``code`` alone keeps the query.
    response = browser.get(auth_url(rp, "code", state="short"))
    assert query(response.headers["location"])["error"] == "invalid_state"


def test_plain_oauth2_implicit_without_openid(
    hydra: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    rp = new_rp(hydra, grant_types=GRANTS, response_types=["token"])
    url = auth_url(rp, "token", scope="offline", nonce="")
    consent = browser.login(api, browser.start(url), subject="plain")
    done = api.accept_o_auth2_consent_request(consent, {"grant_scope": ["offline"]})
    got = fragment(browser.get(done.redirect_to).headers["location"])
    assert got["access_token"].startswith("ory_at_") and "id_token" not in got
    with admin_api(hydra) as admin:
        active = admin.introspect_o_auth2_token(got["access_token"])
    assert active.active and active.sub == "plain" and active.client_id == rp.client["client_id"]
