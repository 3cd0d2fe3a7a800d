"""Web hooks on recovery, verification and a second factor's login, over real sockets.

Servers on SQLite and PostgreSQL mail codes to a real SMTP server (aiosmtpd)
and call the test's own HTTP receiver. Covered: ``before`` hooks with the new
flow, recovery's ``after`` hook with the identity and the new session,
``revoke_active_sessions`` ending the identity's older sessions, verification's
``after`` hook seeing the address verified, an interrupting hook's messages and
a failing hook's 502, and ``login.after.totp.hooks`` run by the aal2 step only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import BACKENDS
from tests.identity.conftest import email
from tests.identity.http.conftest import PASSWORD, MailSite, Site, _mail_site, mfa_site
from tests.identity.http.mfa_support import code, link_totp, whoami
from tests.identity.selfservice.hooks.conftest import web_hook
from tests.identity.selfservice.hooks.receiver import Receiver
from tests.support.kratos_ui import Page


@pytest.fixture(scope="module", params=BACKENDS)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, receiver: Receiver
) -> Iterator[MailSite]:
    base = receiver.url
    flows = {
        "recovery": {
            "before": {"hooks": [web_hook(f"{base}/recovery-before")]},
            "after": {"hooks": [web_hook(f"{base}/recovered"), {"hook": "revoke_active_sessions"}]},
        },
        "verification": {
            "before": {"hooks": [web_hook(f"{base}/verification-before")]},
            "after": {"hooks": [web_hook(f"{base}/verified", can_interrupt=True)]},
        },
    }
    code_login = [web_hook(f"{base}/code-login"), {"hook": "revoke_active_sessions"}]
    flows["login"] = {"after": {"code": {"hooks": code_login}}}
    more = {"selfservice": {"flows": flows}}
    yield from _mail_site(request.param, tmp_path_factory, {}, more)


def code_in(mail: Any) -> str:
    found = re.search(r"\b(\d{6})\b", mail.get_body(("plain",)).get_content())
    assert found
    return found.group(1)


def new_identity(site: MailSite, address: str) -> str:
    body = {
        "schema_id": "default",
        "traits": {"email": address},
        "credentials": {"password": {"config": {"password": PASSWORD}}},
    }
    r = httpx.post(f"{site.admin}/admin/identities", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def api_login(site: MailSite, address: str) -> str:
    flow = httpx.get(f"{site.public}/self-service/login/api").json()
    body = {"method": "password", "identifier": address, "password": PASSWORD}
    r = httpx.post(f"{site.public}/self-service/login?flow={flow['id']}", json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["session_token"])


def by_code(site: MailSite, kind: str, address: str) -> httpx.Response:
    """An api ``kind`` flow through to its mailed code; the answer to the code."""
    flow = httpx.get(f"{site.public}/self-service/{kind}/api").json()
    url = f"{site.public}/self-service/{kind}?flow={flow['id']}"
    sent = httpx.post(url, json={"method": "code", "email": address})
    assert sent.status_code == 200, sent.text
    return httpx.post(url, json={"method": "code", "code": code_in(site.mail_to(address))})


def calls_for(receiver: Receiver, path: str, identity_id: str) -> list[Any]:
    return [c for c in receiver.to(path) if (c.body.get("identity") or {}).get("id") == identity_id]


def test_recovery_before_hook_gets_the_new_flow(site: MailSite, receiver: Receiver) -> None:
    before = len(receiver.to("/recovery-before"))
    flow = site.kratos.frontend.create_native_recovery_flow()
    call = receiver.wait_for("/recovery-before", before + 1)[-1]
    assert call.body["flow"]["id"] == flow.id and call.body["request_method"] == "GET"
    assert "identity" not in call.body


def test_recovery_after_hook_and_revoke_active_sessions(site: MailSite, receiver: Receiver) -> None:
    address = email()
    identity_id = new_identity(site, address)
    old = api_login(site, address)
    assert site.kratos.frontend.to_session(x_session_token=old).active
    done = by_code(site, "recovery", address)
    assert done.status_code == 200, done.text
    token = done.json()["continue_with"][0]["ory_session_token"]
    [call] = calls_for(receiver, "/recovered", identity_id)
    assert call.body["flow"]["state"] == "passed_challenge"
    assert token not in str(call.body)  # the context shows the session, never its token
    who = httpx.get(f"{site.public}/sessions/whoami", headers={"X-Session-Token": old})
    assert who.status_code == 401  # revoke_active_sessions ended the older session
    who = httpx.get(f"{site.public}/sessions/whoami", headers={"X-Session-Token": token})
    assert who.status_code == 200 and who.json()["identity"]["id"] == identity_id
    assert call.body["session"]["id"] == who.json()["id"]  # the new session, in the context


def test_verification_hooks_see_the_flow_and_the_verified_address(
    site: MailSite, receiver: Receiver
) -> None:
    address = email()
    identity_id = new_identity(site, address)
    before = len(receiver.to("/verification-before"))
    done = by_code(site, "verification", address)
    assert done.status_code == 200 and done.json()["state"] == "passed_challenge", done.text
    assert len(receiver.to("/verification-before")) == before + 1
    [call] = calls_for(receiver, "/verified", identity_id)
    assert call.body["flow"]["id"] == done.json()["id"]
    [shown] = call.body["identity"]["verifiable_addresses"]
    assert shown["value"] == address and shown["verified"] is True


def test_an_interrupting_verification_hook_shows_its_messages(site: MailSite) -> None:
    address = "deny-" + email()
    new_identity(site, address)
    done = by_code(site, "verification", address)
    assert done.status_code == 400, done.text
    ids = [m["id"] for m in done.json()["ui"]["messages"]]
    assert 1234 in ids and 4321 in ids


def test_a_failing_verification_hook_is_a_502(site: MailSite) -> None:
    address = "broken-" + email()
    new_identity(site, address)
    done = by_code(site, "verification", address)
    assert done.status_code == 502
    assert done.json()["error"]["code"] == 502 and address not in done.text


def test_code_login_hooks_and_revoke_active_sessions(site: MailSite, receiver: Receiver) -> None:
    address = email()
    identity_id = new_identity(site, address)
    old = api_login(site, address)  # by password: no code-login hook, nothing revoked
    assert calls_for(receiver, "/code-login", identity_id) == []
    flow = httpx.get(f"{site.public}/self-service/login/api").json()
    url = f"{site.public}/self-service/login?flow={flow['id']}"
    sent = httpx.post(url, json={"method": "code", "identifier": address})
    assert sent.status_code == 400 and sent.json()["state"] == "sent_email", sent.text
    done = httpx.post(url, json={"method": "code", "code": code_in(site.mail_to(address))})
    assert done.status_code == 200, done.text
    [call] = calls_for(receiver, "/code-login", identity_id)
    assert call.body["session"]["id"] == done.json()["session"]["id"]
    who = httpx.get(f"{site.public}/sessions/whoami", headers={"X-Session-Token": old})
    assert who.status_code == 401
    token = done.json()["session_token"]
    who = httpx.get(f"{site.public}/sessions/whoami", headers={"X-Session-Token": token})
    assert who.status_code == 200


@pytest.fixture(scope="module", params=BACKENDS)
def mfa(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, receiver: Receiver
) -> Iterator[Site]:
    after = {"totp": {"hooks": [web_hook(f"{receiver.url}/totp-login")]}}
    more = {"selfservice": {"flows": {"login": {"after": after}}}}
    yield from mfa_site(request.param, tmp_path_factory, more)


def test_login_after_totp_hook_runs_for_the_second_factor_only(
    mfa: Site, receiver: Receiver
) -> None:
    address, identity_id = mfa.identity()
    with mfa.browser() as b:
        mfa.sign_in(b, address)
        secret = link_totp(mfa, b)
    with mfa.browser() as b:
        page = mfa.sign_in(b, address)
        assert calls_for(receiver, "/totp-login", identity_id) == []  # the password step
        assert Page(b.post(page.action, data=page.form("totp", totp_code=code(secret, 1)))).landing
        assert whoami(mfa, b).json()["authenticator_assurance_level"] == "aal2"
    [call] = calls_for(receiver, "/totp-login", identity_id)
    assert call.body["session"]["authenticator_assurance_level"] == "aal2"
    assert call.body["flow"]["requested_aal"] == "aal2"
