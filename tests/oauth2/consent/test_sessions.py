"""Consent and login sessions through the admin API (``ory-hydra-client``), over real sockets."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import jwt
import pytest
from ory_hydra_client.api.o_auth2_api import OAuth2Api
from ory_hydra_client.exceptions import ApiException

from tests.oauth2.conftest import Hydra
from tests.oauth2.consent.flows import Browser, Receiver, admin_api, new_rp
from tests.oauth2.consent.test_logout import signed_in, verify_logout_token


@pytest.fixture
def api(hydra: Hydra) -> Iterator[OAuth2Api]:
    with admin_api(hydra) as a:
        yield a


@pytest.fixture
def browser(hydra: Hydra) -> Iterator[Browser]:
    b = Browser(hydra)
    yield b
    b.close()


def _active(hydra: Hydra, token: str) -> bool:
    response = httpx.post(f"{hydra.admin}/admin/oauth2/introspect", data={"token": token})
    return bool(response.json()["active"])


def test_list_and_revoke_consent_sessions(hydra: Hydra, api: OAuth2Api, browser: Browser) -> None:
    subject = f"carol-{hydra.backend}"
    first, second = new_rp(hydra), new_rp(hydra)
    tokens = {}
    for rp in (first, second):
        url, state = rp.authorization_url()
        consent = browser.login(api, browser.start(url), subject=subject, remember=True)
        callback = browser.consent(
            api, consent, remember=True, session={"id_token": {"email": "c@example.com"}}
        )
        tokens[rp.client["client_id"]] = rp.fetch_token(callback, state)
    sessions = api.list_o_auth2_consent_sessions(subject)
    assert {s.consent_request.client.client_id for s in sessions} == set(tokens)
    one = sessions[0]
    assert one.remember is True and one.grant_scope == ["openid", "offline"]
    assert one.session.id_token == {"email": "c@example.com"}
    assert one.consent_request.subject == subject and one.handled_at is not None

    # Pages of one: a Link header leads to the second page.
    page = httpx.get(
        f"{hydra.admin}/admin/oauth2/auth/sessions/consent",
        params={"subject": subject, "page_size": 1},
    )
    assert page.status_code == 200 and len(page.json()) == 1
    next_url = page.links["next"]["url"]
    rest = httpx.get(next_url)
    assert len(rest.json()) == 1 and rest.json()[0] != page.json()[0]
    assert "next" not in rest.links

    # login_session_id filters; both flows shared one remembered login.
    sid = jwt.decode(
        tokens[first.client["client_id"]]["id_token"], options={"verify_signature": False}
    )["sid"]
    assert len(api.list_o_auth2_consent_sessions(subject, login_session_id=sid)) == 2
    assert api.list_o_auth2_consent_sessions(subject, login_session_id="nope") == []

    # Revoking one client's consent revokes its tokens, not the other's.
    api.revoke_o_auth2_consent_sessions(subject=subject, client=first.client["client_id"])
    gone, kept = tokens[first.client["client_id"]], tokens[second.client["client_id"]]
    assert not _active(hydra, gone["access_token"]) and not _active(hydra, gone["refresh_token"])
    assert _active(hydra, kept["access_token"])
    left = api.list_o_auth2_consent_sessions(subject)
    assert [s.consent_request.client.client_id for s in left] == [second.client["client_id"]]

    # A revoked consent is asked for again.
    url, _ = first.authorization_url()
    consent = browser.login(api, browser.start(url), subject=subject)
    assert api.get_o_auth2_consent_request(consent).skip is False

    api.revoke_o_auth2_consent_sessions(subject=subject, all=True)
    assert api.list_o_auth2_consent_sessions(subject) == []
    assert not _active(hydra, kept["access_token"])


def test_revoke_one_consent_by_its_id(hydra: Hydra, api: OAuth2Api, browser: Browser) -> None:
    subject = f"dan-{hydra.backend}"
    rp = new_rp(hydra)
    token = signed_in(browser, api, rp, subject=subject)
    (session,) = api.list_o_auth2_consent_sessions(subject)
    api.revoke_o_auth2_consent_sessions(consent_request_id=session.consent_request_id)
    assert api.list_o_auth2_consent_sessions(subject) == []
    assert not _active(hydra, token["access_token"])


def test_bad_session_queries_are_ory_errors(hydra: Hydra) -> None:
    base = f"{hydra.admin}/admin/oauth2/auth/sessions"
    for method, url, params in (
        ("GET", f"{base}/consent", {}),
        ("GET", f"{base}/consent", {"subject": "x", "page_size": "0"}),
        ("GET", f"{base}/consent", {"subject": "x", "page_token": "garbage"}),
        ("DELETE", f"{base}/consent", {}),
        ("DELETE", f"{base}/consent", {"subject": "x"}),
        ("DELETE", f"{base}/consent", {"subject": "x", "all": "maybe"}),
        ("DELETE", f"{base}/login", {}),
    ):
        response = httpx.request(method, url, params=params)
        assert response.status_code == 400, (method, params, response.text)
        body = response.json()
        assert body["status_code"] == 400 and body["error"] and body["error_description"]
    response = httpx.get(f"{base}/consent", params={"subject": "nobody"})
    assert response.status_code == 200 and response.json() == []


def test_revoke_login_sessions_by_subject_and_by_sid(
    hydra: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    receiver = Receiver()
    try:
        rp = new_rp(hydra, backchannel_logout_uri=receiver.url)
        subject = f"erin-{hydra.backend}"
        signed_in(browser, api, rp, subject=subject)
        api.revoke_o_auth2_login_sessions(subject=subject)
        url, _ = rp.authorization_url()
        assert api.get_o_auth2_login_request(browser.start(url)).skip is False

        token = signed_in(browser, api, rp, subject=subject)
        sid = jwt.decode(token["id_token"], options={"verify_signature": False})["sid"]
        api.revoke_o_auth2_login_sessions(sid=sid)
        claims = verify_logout_token(hydra, receiver.wait()["logout_token"], rp.client["client_id"])
        assert claims["sid"] == sid and claims["sub"] == subject
        url, _ = rp.authorization_url()
        assert api.get_o_auth2_login_request(browser.start(url)).skip is False
        with pytest.raises(ApiException) as err:
            api.revoke_o_auth2_login_sessions()
        assert err.value.status == 400
    finally:
        receiver.close()
