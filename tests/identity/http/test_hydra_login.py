"""Roost's Kratos as Hydra's login provider: ``login_challenge`` accepted through the admin API.

Two real servers (``roost serve oauth2`` and ``roost serve identity`` with
``oauth2_provider.url`` at the first's admin port) and the UI between them.
Authlib starts an authorization; the browser signs in on Kratos's form and
is sent through Hydra to the consent UI; accepting the consent (Ory's Hydra
SDK, as a consent app) yields a code whose ID token names the Kratos
identity. A second authorization with the session remembered is accepted
without a form. The user's "keep me signed in" choice (``remember``, decision
0036) decides the session cookie's persistence and Hydra's ``remember``,
across the aal2 step too; without it the config decides.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from ory_hydra_client.models import AcceptOAuth2ConsentRequest

from tests.conftest import BACKENDS
from tests.identity.conftest import Kratos, serve_identity
from tests.identity.http.conftest import PASSWORD, Site
from tests.identity.http.mfa_support import code, link_totp
from tests.oauth2.conftest import Hydra, serve_oauth2
from tests.oauth2.consent.flows import REDIRECT, admin_api, new_rp, query
from tests.support.kratos_ui import Page, UIServer

JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module", params=BACKENDS)
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Site, Hydra]]:
    tmp = tmp_path_factory.mktemp(f"hydra-kratos-{request.param}-{uuid.uuid4().hex[:6]}")
    ui = UIServer()
    hydra = serve_oauth2(
        tmp / "hydra",
        request.param,
        {"urls": {"login": f"{ui.url}/hydra-login", "consent": f"{ui.url}/consent"}},
    )
    config: dict[str, Any] = {
        "selfservice": {**ui.config(), "methods": {"totp": {"enabled": True}}},
        "oauth2_provider": {"url": hydra.admin},
    }
    server = serve_identity(tmp / "kratos", request.param, config)
    ui.kratos = server.urls["public"]
    yield Site(Kratos(server), ui), hydra
    server.stop()
    hydra.server.stop()
    ui.stop()


def _consent_to_code(hydra: Hydra, b: httpx.Client, consent_url: str) -> str:
    challenge = query(consent_url)["consent_challenge"]
    with admin_api(hydra) as api:
        req = api.get_o_auth2_consent_request(challenge)
        done = api.accept_o_auth2_consent_request(
            challenge,
            AcceptOAuth2ConsentRequest(
                grant_scope=req.requested_scope, grant_access_token_audience=[]
            ),
        )
    r = b.get(done.redirect_to, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    location = r.headers["location"]
    assert location.startswith(REDIRECT)
    return location


def test_sign_in_completes_an_oidc_authorization(pair: tuple[Site, Hydra]) -> None:
    site, hydra = pair
    address, identity_id = site.identity()
    rp = new_rp(hydra)
    url, state = rp.authorization_url()
    with site.browser() as b:
        page = Page(b.get(url))  # Hydra → UI → Kratos's browser login → UI form
        assert page.response.url.path == "/login" and page.flow_id
        flow = b.get(f"{site.public}/self-service/login/flows", params={"id": page.flow_id})
        assert flow.json()["oauth2_login_challenge"] and flow.json()["refresh"] is True
        consent = b.post(
            page.action,
            data=page.form("password", identifier=address, password=PASSWORD),
            follow_redirects=True,
        )
        assert consent.url.path == "/consent", consent.url
        callback = _consent_to_code(hydra, b, str(consent.url))
        token = rp.fetch_token(callback, state)
        claims = jwt.decode(token["id_token"], options={"verify_signature": False})
        assert claims["sub"] == identity_id
        assert "password" in claims.get("amr", [])
        assert b.get(f"{site.public}/sessions/whoami").status_code == 200
        # Hydra remembers the login: the next authorization skips the form
        rp2 = new_rp(hydra)
        url2, _ = rp2.authorization_url()
        again = b.get(url2, follow_redirects=True)
        assert again.url.path == "/consent"
        with admin_api(hydra) as api:
            req = api.get_o_auth2_consent_request(query(str(again.url))["consent_challenge"])
        assert req.subject == identity_id


def test_spa_gets_browser_location_change_required(pair: tuple[Site, Hydra]) -> None:
    site, hydra = pair
    address, _ = site.identity()
    url, _ = new_rp(hydra).authorization_url()
    with site.browser() as b:
        challenge = query(b.get(url, follow_redirects=False).headers["location"])["login_challenge"]
        flow = b.get(
            f"{site.public}/self-service/login/browser",
            params={"login_challenge": challenge},
            headers=JSON,
        ).json()
        token = next(
            n["attributes"]["value"]
            for n in flow["ui"]["nodes"]
            if n["attributes"]["name"] == "csrf_token"
        )
        body = {"method": "password", "identifier": address, "password": PASSWORD}
        r = b.post(flow["ui"]["action"], json={**body, "csrf_token": token}, headers=JSON)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["id"] == "browser_location_change_required"
        assert r.json()["redirect_browser_to"].startswith(hydra.public)
        assert "ory_kratos_session=" in r.headers["set-cookie"]


def test_unknown_challenge_and_no_provider(pair: tuple[Site, Hydra], site: Site) -> None:
    kratos, _ = pair
    r = httpx.get(
        f"{kratos.public}/self-service/login/browser",
        params={"login_challenge": "not-a-challenge"},
        headers=JSON,
    )
    assert r.status_code == 404
    r = httpx.get(
        f"{site.public}/self-service/login/browser",
        params={"login_challenge": "x"},
        headers=JSON,
    )
    assert r.status_code == 400 and "oauth2_provider.url" in r.json()["error"]["reason"]


def test_second_factor_step_keeps_the_challenge(pair: tuple[Site, Hydra]) -> None:
    """An identity with TOTP signs in with its password, is sent to the aal2 step with the
    challenge carried on, and only the second factor accepts Hydra's login (decision 0024)."""
    site, hydra = pair
    address, identity_id = site.identity()
    with site.browser() as b:
        site.sign_in(b, address)
        secret = link_totp(site, b)
    rp = new_rp(hydra)
    url, state = rp.authorization_url()
    with site.browser() as b:
        page = Page(b.get(url))
        step = Page(
            b.post(page.action, data=page.form("password", identifier=address, password=PASSWORD))
        )
        assert step.response.url.path == "/login"
        assert "login_challenge=" in step.response.history[-2].headers["location"]
        flow = b.get(f"{site.public}/self-service/login/flows", params={"id": step.flow_id}).json()
        assert flow["requested_aal"] == "aal2" and flow["oauth2_login_challenge"]
        consent = b.post(step.action, data=step.form("totp", totp_code=code(secret, 1)))
        assert consent.url.path == "/consent", consent.url
        token = rp.fetch_token(_consent_to_code(hydra, b, str(consent.url)), state)
        claims = jwt.decode(token["id_token"], options={"verify_signature": False})
        assert claims["sub"] == identity_id


# --- "keep me signed in" (decision 0036) ----------------------------------------------------


def _session_cookie(r: httpx.Response) -> dict[str, str]:
    """The attributes of the session cookie set on the way to ``r`` (lower-cased names)."""
    for step in [*r.history, r]:
        for header in step.headers.get_list("set-cookie"):
            if header.startswith("ory_kratos_session="):
                parts = [p.strip() for p in header.split(";")]
                return {k.lower(): v for k, _, v in (p.partition("=") for p in parts[1:])}
    raise AssertionError(f"no session cookie on the way to {r.url}")


def _next_login_skips(hydra: Hydra, b: httpx.Client) -> bool:
    """Start another authorization in the same browser: Hydra's login request says ``skip``."""
    url, _ = new_rp(hydra).authorization_url()
    challenge = query(b.get(url, follow_redirects=False).headers["location"])["login_challenge"]
    with admin_api(hydra) as api:
        return bool(api.get_o_auth2_login_request(challenge).skip)


@pytest.mark.parametrize(
    ("posted", "persistent"),
    [({"remember": "true"}, True), ({"remember": "false"}, False), ({}, True)],
    ids=["checked", "unchecked", "absent"],
)
def test_remember_decides_the_cookie_and_hydras_skip(
    pair: tuple[Site, Hydra], posted: dict[str, str], persistent: bool
) -> None:
    """Checked: a persistent cookie and Hydra remembers the login; unchecked: a
    browser-session cookie and the next authorization asks again; absent: the config
    (``session.cookie.persistent``, true by default) decides, as in Kratos."""
    site, hydra = pair
    address, _ = site.identity()
    url, _ = new_rp(hydra).authorization_url()
    with site.browser() as b:
        page = Page(b.get(url))
        form = page.form("password", identifier=address, password=PASSWORD, **posted)
        consent = b.post(page.action, data=form, follow_redirects=True)
        assert consent.url.path == "/consent", consent.url
        cookie = _session_cookie(consent)
        assert ("max-age" in cookie or "expires" in cookie) is persistent, cookie
        _consent_to_code(hydra, b, str(consent.url))
        assert _next_login_skips(hydra, b) is persistent


def test_remember_survives_the_second_factor_step(pair: tuple[Site, Hydra]) -> None:
    """Unchecked on the password step: the aal2 step (whose form has no such box) keeps
    the choice from the session cookie, for the cookie it sets and Hydra's accept."""
    site, hydra = pair
    for choice, persistent in (("false", False), ("true", True)):
        address, _ = site.identity()  # one each: a TOTP step is spent once
        with site.browser() as b:
            site.sign_in(b, address)
            secret = link_totp(site, b)
        url, _ = new_rp(hydra).authorization_url()
        with site.browser() as b:
            page = Page(b.get(url))
            form = page.form("password", identifier=address, password=PASSWORD, remember=choice)
            step = Page(b.post(page.action, data=form))
            assert step.response.url.path == "/login"
            assert ("max-age" in _session_cookie(step.response)) is persistent
            consent = b.post(step.action, data=step.form("totp", totp_code=code(secret, 1)))
            assert consent.url.path == "/consent", consent.url
            assert ("max-age" in _session_cookie(consent)) is persistent
            _consent_to_code(hydra, b, str(consent.url))
            assert _next_login_skips(hydra, b) is persistent


@pytest.mark.parametrize("value", ["yes", 1, None, ["true"], {"a": True}])
def test_remember_of_another_type_is_refused_on_the_flow(
    pair: tuple[Site, Hydra], value: object
) -> None:
    """Anything but a boolean (or the form's "true"/"false") is a 400 with the flow and
    Kratos's type message, before the password is looked at; no session, and Ory's SDK
    still reads the flow."""
    site, _ = pair
    address, _ = site.identity()
    front = site.kratos.frontend
    flow = front.create_native_login_flow()
    body = {"method": "password", "identifier": address, "password": PASSWORD, "remember": value}
    r = httpx.post(f"{site.public}/self-service/login?flow={flow.id}", json=body)
    assert r.status_code == 400, r.text
    assert "session_token" not in r.json() and "set-cookie" not in r.headers
    assert [m["id"] for m in r.json()["ui"]["messages"]] == [4000026]
    again = front.get_login_flow(str(flow.id))
    assert again.ui.messages is not None and again.ui.messages[0].id == 4000026
    good = httpx.post(
        f"{site.public}/self-service/login?flow={flow.id}", json={**body, "remember": False}
    )
    assert good.status_code == 200 and good.json()["session_token"]
