"""Recovery (decision 0023) end to end: Ory's SDK for api flows, a cookie-keeping browser
for form posts, codes and links read from mail a real SMTP server received."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from ory_kratos_client.exceptions import ApiException
from ory_kratos_client.models.create_recovery_code_for_identity_body import (
    CreateRecoveryCodeForIdentityBody,
)
from ory_kratos_client.models.create_recovery_link_for_identity_body import (
    CreateRecoveryLinkForIdentityBody,
)
from ory_kratos_client.models.update_recovery_flow_body import UpdateRecoveryFlowBody
from ory_kratos_client.models.update_recovery_flow_with_code_method import (
    UpdateRecoveryFlowWithCodeMethod,
)

from tests.conftest import BACKENDS
from tests.identity.http.conftest import MailSite, _mail_site, table_text
from tests.identity.http.mfa_support import code as totp_at
from tests.identity.http.mfa_support import link_totp, whoami
from tests.support.kratos_ui import Page

CODE_TABLES = (
    "identity_recovery_codes",
    "identity_recovery_tokens",
    "selfservice_recovery_flows",
    "courier_messages",
)


def code_in(mail: Any) -> str:
    body = mail.get_body(("plain",)).get_content()
    found = re.search(r"\b(\d{6})\b", body)
    assert found, body
    return found.group(1)


def link_in(mail: Any, param: str = "token") -> str:
    body = mail.get_body(("plain",)).get_content()
    found = re.search(rf"(http\S+{param}=\w+)", body)
    assert found, body
    return found.group(1)


def _code(**values: Any) -> UpdateRecoveryFlowBody:
    return UpdateRecoveryFlowBody(UpdateRecoveryFlowWithCodeMethod(method="code", **values))


def _api_send(site: MailSite, address: str) -> Any:
    front = site.kratos.frontend
    flow = front.create_native_recovery_flow()
    sent = front.update_recovery_flow(flow.id, _code(email=address))
    return sent


def test_api_recovery_by_code_gives_a_session_and_a_settings_flow(mail_site: MailSite) -> None:
    site = mail_site
    address, identity_id = site.identity()
    sent = _api_send(site, address)
    assert sent.state == "sent_email"
    assert [m.id for m in sent.ui.messages] == [1060003]
    code = code_in(site.mail_to(address))
    done = site.kratos.frontend.update_recovery_flow(sent.id, _code(code=code))
    assert done.state == "passed_challenge"
    actions = [c.actual_instance.action for c in done.continue_with]
    assert actions == ["set_ory_session_token", "show_settings_ui"]
    token = done.continue_with[0].actual_instance.ory_session_token
    settings_id = done.continue_with[1].actual_instance.flow.id
    me = site.kratos.frontend.to_session(x_session_token=token)
    assert str(me.identity.id) == identity_id
    assert me.authentication_methods[0].method == "code_recovery"
    settings = site.kratos.frontend.get_settings_flow(settings_id, x_session_token=token)
    assert [m.id for m in settings.ui.messages] == [1060001]
    # a privileged session: the password can be changed at once
    r = httpx.post(
        f"{site.public}/self-service/settings?flow={settings_id}",
        json={"method": "password", "password": "A-new-password-0023!"},
        headers={"X-Session-Token": token},
    )
    assert r.status_code == 200, r.text
    # the code is spent: the flow is finished and refuses it again
    with pytest.raises(ApiException) as again:
        site.kratos.frontend.update_recovery_flow(sent.id, _code(code=code))
    assert again.value.status == 400
    rows = table_text(site.kratos.dsn, *CODE_TABLES)
    assert code not in rows and token not in rows
    assert code not in site.kratos.server.log.read_text()


def test_unknown_address_gets_the_same_answer_and_no_mail(mail_site: MailSite) -> None:
    site = mail_site
    known, _ = site.identity()
    unknown = f"nobody-{known}"
    a, b = _api_send(site, known), _api_send(site, unknown)
    assert (a.state, [m.id for m in a.ui.messages]) == (b.state, [m.id for m in b.ui.messages])
    names = [(n.attributes.actual_instance.name, n.type) for n in a.ui.nodes]
    assert names == [(n.attributes.actual_instance.name, n.type) for n in b.ui.nodes]
    site.mail_to(known)
    assert site.mails_to(unknown) == []


def test_sixth_attempt_is_refused_and_the_flow_is_dead(mail_site: MailSite) -> None:
    site = mail_site
    address, _ = site.identity()
    sent = _api_send(site, address)
    code = code_in(site.mail_to(address))
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        shown = site.kratos.frontend.update_recovery_flow(sent.id, _code(code=wrong))
        assert [m.id for m in shown.ui.messages] == [4060006]
    for attempt in (code, code):
        r = httpx.post(
            f"{site.public}/self-service/recovery?flow={sent.id}",
            json={"method": "code", "code": attempt},
        )
        assert r.status_code == 400, r.text
        body = r.json()
        assert body["error"]["reason"].startswith("The request was submitted too often")
        (item,) = body["error"]["details"]["continue_with"]
        assert item["action"] == "show_recovery_ui"
        fresh = site.kratos.frontend.get_recovery_flow(item["flow"]["id"])
        assert fresh.state == "choose_method"


def test_resend_invalidates_the_earlier_code(mail_site: MailSite) -> None:
    site = mail_site
    address, _ = site.identity()
    sent = _api_send(site, address)
    first = code_in(site.mail_to(address))
    site.kratos.frontend.update_recovery_flow(sent.id, _code(email=address))
    second = code_in(site.mail_to(address, 2))
    if first != second:
        shown = site.kratos.frontend.update_recovery_flow(sent.id, _code(code=first))
        assert [m.id for m in shown.ui.messages] == [4060006]
    done = site.kratos.frontend.update_recovery_flow(sent.id, _code(code=second))
    assert done.state == "passed_challenge"


def _expire(dsn: str, flow_id: str) -> None:
    import asyncio
    import uuid

    from sqlalchemy import update

    from roost.identity.sql.code_tables import recovery_flows
    from roost.storage.database import Database

    async def run() -> None:
        db = Database(dsn)
        try:
            t = recovery_flows
            stmt = update(t).where(t.c.id == uuid.UUID(flow_id))
            await db.transaction(lambda c: c.execute(stmt.values(expires_at=t.c.issued_at)))
        finally:
            await db.close()

    asyncio.run(run())


def test_expired_flow_refuses_the_code(mail_site: MailSite) -> None:
    site = mail_site
    address, _ = site.identity()
    sent = _api_send(site, address)
    code = code_in(site.mail_to(address))
    _expire(site.kratos.dsn, sent.id)
    r = httpx.post(
        f"{site.public}/self-service/recovery?flow={sent.id}", json={"method": "code", "code": code}
    )
    assert r.status_code == 410
    assert r.json()["error"]["id"] == "self_service_flow_expired"
    fresh = site.kratos.frontend.get_recovery_flow(r.json()["use_flow_id"])
    assert [m.id for m in fresh.ui.messages] == [4060005]


def test_browser_recovery_by_code_signs_in_and_opens_settings(mail_site: MailSite) -> None:
    site = mail_site
    address, identity_id = site.identity()
    with site.browser() as b:
        page = Page(b.get(f"{site.public}/self-service/recovery/browser"))
        assert page.flow_id and page.state == "choose_method"
        page = Page(b.post(page.action, data=page.form("code", email=address)))
        assert page.state == "sent_email"
        code = code_in(site.mail_to(address))
        r = b.post(page.action, data={**page.form("code", code=code), "email": ""})
        assert r.url.path == "/settings", r.url
        me = b.get(f"{site.public}/sessions/whoami", headers={"Accept": "application/json"})
        assert me.status_code == 200 and me.json()["identity"]["id"] == identity_id
        # the settings page works with the rotated CSRF cookie
        settings = Page(r)
        assert settings.state == "show_form"
        assert [m["id"] for m in settings.messages] == [1060001]


def test_browser_submit_without_csrf_token_is_refused(mail_site: MailSite) -> None:
    site = mail_site
    address, _ = site.identity()
    with site.browser() as b:
        page = Page(b.get(f"{site.public}/self-service/recovery/browser"))
        form = page.form("code", email=address)
        form.pop("csrf_token")
        r = b.post(page.action, data=form)
        error = Page(r).error
        assert error is not None and error["error"]["id"] == "security_csrf_violation"
    assert site.mails_to(address) == []


def test_link_method_by_mail_signs_the_browser_in(mail_site: MailSite) -> None:
    site = mail_site
    address, identity_id = site.identity()
    with site.browser() as b:
        page = Page(b.get(f"{site.public}/self-service/recovery/browser"))
        b.post(page.action, data=page.form("link", email=address))
        link = link_in(site.mail_to(address))
    with site.browser() as other:  # the mail may be opened in another browser
        r = other.get(link)
        assert r.url.path == "/settings", r.url
        me = other.get(f"{site.public}/sessions/whoami")
        assert me.json()["identity"]["id"] == identity_id
        assert me.json()["authentication_methods"][0]["method"] == "link_recovery"
        again = other.get(link)
        assert again.url.path != "/settings"
    rows = table_text(site.kratos.dsn, *CODE_TABLES)
    assert link.rsplit("=", 1)[1] not in rows


def test_admin_recovery_code_and_link(mail_site: MailSite) -> None:
    site = mail_site
    address, identity_id = site.identity()
    admin = site.kratos.admin
    made = admin.create_recovery_code_for_identity(
        CreateRecoveryCodeForIdentityBody(identity_id=identity_id, expires_in="10m")
    )
    assert made.recovery_link.startswith(site.ui.url + "/recovery?flow=")
    with site.browser() as b:
        page = Page(b.get(made.recovery_link))
        assert page.state == "sent_email"
        r = b.post(page.action, data=page.form("code", code=made.recovery_code))
        assert r.url.path == "/settings", r.url
    link = admin.create_recovery_link_for_identity(
        create_recovery_link_for_identity_body=CreateRecoveryLinkForIdentityBody(
            identity_id=identity_id
        )
    )
    with site.browser() as b:
        r = b.get(link.recovery_link)
        assert r.url.path == "/settings", r.url
    bad = httpx.post(
        f"{site.admin}/admin/recovery/code",
        json={"identity_id": identity_id, "expires_in": "soon"},
    )
    assert bad.status_code == 400 and "expires_in" in bad.json()["error"]["reason"]
    for huge in ("13036671205870578679ms4h0ns", "2562048h", "0s"):  # schemathesis found the 1st
        r = httpx.post(
            f"{site.admin}/admin/recovery/link",
            json={"identity_id": identity_id, "expires_in": huge},
        )
        assert r.status_code == 400, (huge, r.text)
    missing = httpx.post(
        f"{site.admin}/admin/recovery/code",
        json={"identity_id": "2c1e4f57-0000-4000-8000-000000000000"},
    )
    assert missing.status_code == 404
    assert site.mails_to(address) == []


def test_spa_recovery_gets_continue_with_and_the_cookie(mail_site: MailSite) -> None:
    site = mail_site
    address, identity_id = site.identity()
    json_headers = {"Accept": "application/json"}
    with httpx.Client(headers=json_headers, timeout=30) as spa:
        flow = spa.get(f"{site.public}/self-service/recovery/browser").json()
        assert flow["type"] == "browser"
        token = next(
            n["attributes"]["value"]
            for n in flow["ui"]["nodes"]
            if n["attributes"].get("name") == "csrf_token"
        )
        url = f"{site.public}/self-service/recovery?flow={flow['id']}"
        sent = spa.post(url, json={"method": "code", "email": address, "csrf_token": token})
        assert sent.status_code == 200 and sent.json()["state"] == "sent_email"
        code = code_in(site.mail_to(address))
        done = spa.post(url, json={"method": "code", "code": code, "csrf_token": token})
        assert done.status_code == 200, done.text
        (show,) = done.json()["continue_with"]
        assert show["action"] == "show_settings_ui"
        assert "ory_kratos_session" in done.cookies
        me = spa.get(f"{site.public}/sessions/whoami")
        assert me.json()["identity"]["id"] == identity_id
        settings = spa.get(
            f"{site.public}/self-service/settings/flows", params={"id": show["flow"]["id"]}
        )
        assert settings.status_code == 200, settings.text


def test_recovery_refuses_a_signed_in_caller(mail_site: MailSite) -> None:
    site = mail_site
    address, _ = site.identity()
    with site.browser() as b:
        site.sign_in(b, address)
        r = b.get(
            f"{site.public}/self-service/recovery/browser", headers={"Accept": "application/json"}
        )
        assert r.status_code == 400 and r.json()["error"]["id"] == "session_already_available"


def test_a_malformed_address_is_a_form_error_and_mails_nothing(mail_site: MailSite) -> None:
    site = mail_site
    flow = site.kratos.frontend.create_native_recovery_flow()
    for bad in ("not-an-address", "x" * 300 + "@example.com"):
        r = httpx.post(
            f"{site.public}/self-service/recovery?flow={flow.id}",
            json={"method": "code", "email": bad},
        )
        assert r.status_code == 400, r.text
        node = next(n for n in r.json()["ui"]["nodes"] if n["attributes"]["name"] == "email")
        assert [m["id"] for m in node["messages"]] == [4000001]
    r = httpx.post(f"{site.public}/self-service/recovery?flow={flow.id}", json={"method": "code"})
    node = next(n for n in r.json()["ui"]["nodes"] if n["attributes"]["name"] == "email")
    assert [m["id"] for m in node["messages"]] == [4000002]


def test_one_code_used_at_once_by_two_clients_gives_one_session(mail_site: MailSite) -> None:
    from concurrent.futures import ThreadPoolExecutor

    site = mail_site
    address, identity_id = site.identity()
    sent = _api_send(site, address)
    code = code_in(site.mail_to(address))
    url = f"{site.public}/self-service/recovery?flow={sent.id}"

    def use(_: int) -> httpx.Response:
        return httpx.post(url, json={"method": "code", "code": code}, timeout=30)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(use, range(4)))
    won = [r for r in answers if r.status_code == 200 and r.json().get("continue_with")]
    assert len(won) == 1, [r.text[:200] for r in answers]
    assert all(r.status_code < 500 for r in answers)
    sessions = httpx.get(f"{site.admin}/admin/identities/{identity_id}/sessions").json()
    assert len(sessions) == 1


@pytest.fixture(scope="module", params=BACKENDS)
def totp_mail_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MailSite]:
    """Recovery by mail, TOTP on, settings needing the highest AAL (Kratos's default)."""
    more = {
        "selfservice": {
            "methods": {"totp": {"enabled": True, "config": {"issuer": "Roost Tests"}}},
            "flows": {"settings": {"required_aal": "highest_available"}},
        }
    }
    yield from _mail_site(request.param, tmp_path_factory, {}, more)


def test_recovery_of_an_identity_with_totp_signs_in_then_asks_for_the_second_factor(
    totp_mail_site: MailSite,
) -> None:
    """Found by the account UI's browser test: the recovered session (aal1) got no cookie
    because making the settings flow already demanded aal2. As in Kratos the cookie is
    set and the settings flow made; fetching it sends the browser to the aal2 login."""
    site = totp_mail_site
    address, identity_id = site.identity()
    with site.browser() as b:
        site.sign_in(b, address)
        secret = link_totp(site, b)
    with site.browser() as b:
        page = Page(b.get(f"{site.public}/self-service/recovery/browser"))
        page = Page(b.post(page.action, data=page.form("code", email=address)))
        code = code_in(site.mail_to(address))
        r = b.post(
            page.action, data={**page.form("code", code=code), "email": ""}, follow_redirects=False
        )
        assert r.status_code == 303 and "/settings?flow=" in r.headers["location"], r.text
        assert "ory_kratos_session" in r.cookies
        flow_id = r.headers["location"].split("flow=")[1]
        got = b.get(f"{site.public}/self-service/settings/flows", params={"id": flow_id})
        assert got.status_code == 403
        assert got.json()["error"]["id"] == "session_aal2_required"
        step_up = got.json()["redirect_browser_to"]
        assert "aal=aal2" in step_up
        me = whoami(site, b)
        assert me.status_code == 403  # whoami's default required_aal is highest_available
        login = Page(b.get(step_up))
        # the step after the one linking used: a code is good once (and one step of skew)
        done = b.post(login.action, data=login.form("totp", totp_code=totp_at(secret, 1)))
        assert done.status_code == 200, done.text
        me = whoami(site, b)
        assert me.status_code == 200 and me.json()["identity"]["id"] == identity_id
        assert me.json()["authenticator_assurance_level"] == "aal2"
