"""Roost's Kratos as Hydra's login provider: ``login_challenge`` accepted through the admin API.

Two real servers (``roost serve oauth2`` and ``roost serve identity`` with
``oauth2_provider.url`` at the first's admin port) and the UI between them.
Authlib starts an authorization; the browser signs in on Kratos's form and
is sent through Hydra to the consent UI; accepting the consent (Ory's Hydra
SDK, as a consent app) yields a code whose ID token names the Kratos
identity. A second authorization with the session remembered is accepted
without a form.
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
