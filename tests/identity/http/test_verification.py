"""Verification (decision 0023) end to end: the mail after registration, codes typed into
the flow (Ory's SDK), and the link in the mail opened by a browser."""

from __future__ import annotations

import re
from typing import Any

import httpx
from ory_kratos_client.models.update_registration_flow_body import UpdateRegistrationFlowBody
from ory_kratos_client.models.update_registration_flow_with_password_method import (
    UpdateRegistrationFlowWithPasswordMethod,
)
from ory_kratos_client.models.update_verification_flow_body import UpdateVerificationFlowBody
from ory_kratos_client.models.update_verification_flow_with_code_method import (
    UpdateVerificationFlowWithCodeMethod,
)

from tests.identity.conftest import email
from tests.identity.http.conftest import PASSWORD, MailSite, table_text
from tests.identity.http.test_recovery import code_in, link_in


def _code(**values: Any) -> UpdateVerificationFlowBody:
    return UpdateVerificationFlowBody(UpdateVerificationFlowWithCodeMethod(method="code", **values))


def _address(site: MailSite, identity_id: str) -> dict[str, Any]:
    r = httpx.get(f"{site.admin}/admin/identities/{identity_id}")
    (address,) = r.json()["verifiable_addresses"]
    return dict(address)


def _register(site: MailSite, address: str) -> Any:
    front = site.kratos.frontend
    flow = front.create_native_registration_flow()
    body = UpdateRegistrationFlowBody(
        UpdateRegistrationFlowWithPasswordMethod(
            method="password", password=PASSWORD, traits={"email": address}
        )
    )
    return front.update_registration_flow(flow=flow.id, update_registration_flow_body=body)


def test_registration_mails_a_code_that_verifies_the_address(mail_site: MailSite) -> None:
    site = mail_site
    address = email()
    done = _register(site, address)
    actions = [c.actual_instance.action for c in done.continue_with]
    assert actions == ["set_ory_session_token", "show_verification_ui"]
    show = done.continue_with[1].actual_instance.flow
    assert show.verifiable_address == address
    identity_id = str(done.identity.id)
    assert _address(site, identity_id)["verified"] is False
    mail = site.mail_to(address)
    assert str(mail["Subject"]).startswith("Use code")
    code = code_in(mail)
    front = site.kratos.frontend
    wrong = "000000" if code != "000000" else "111111"
    refused = front.update_verification_flow(show.id, _code(code=wrong))
    assert [m.id for m in refused.ui.messages] == [4070006]
    verified = front.update_verification_flow(show.id, _code(code=code))
    assert verified.state == "passed_challenge"
    assert [m.id for m in verified.ui.messages] == [1080002]
    after = _address(site, identity_id)
    assert after["verified"] is True and after["status"] == "completed"
    assert after["verified_at"]
    rows = table_text(site.kratos.dsn, "identity_verification_codes", "courier_messages")
    assert code not in rows


def test_verification_flow_by_hand_and_the_link_in_the_mail(mail_site: MailSite) -> None:
    site = mail_site
    address, identity_id = site.identity()
    front = site.kratos.frontend
    flow = front.create_native_verification_flow()
    sent = front.update_verification_flow(flow.id, _code(email=address))
    assert sent.state == "sent_email"
    assert [m.id for m in sent.ui.messages] == [1080003]
    unknown = front.update_verification_flow(
        front.create_native_verification_flow().id, _code(email=f"x-{address}")
    )
    assert (unknown.state, [m.id for m in unknown.ui.messages]) == ("sent_email", [1080003])
    link = link_in(site.mail_to(address), "code")
    with site.browser() as b:
        r = b.get(link)  # an api flow's link answers with the flow itself
        assert r.status_code == 200 and r.json()["state"] == "passed_challenge", r.text
    assert _address(site, identity_id)["verified"] is True
    assert site.mails_to(f"x-{address}") == []


def test_browser_verification_by_link_method(mail_site: MailSite) -> None:
    from tests.support.kratos_ui import Page

    site = mail_site
    address, identity_id = site.identity()
    with site.browser() as b:
        page = Page(b.get(f"{site.public}/self-service/verification/browser"))
        assert page.state == "choose_method"
        page = Page(b.post(page.action, data=page.form("link", email=address)))
        assert page.state == "sent_email"
    link = link_in(site.mail_to(address), "token")
    with site.browser() as b:
        page = Page(b.get(link))
        assert page.state == "passed_challenge"
    assert _address(site, identity_id)["verified"] is True


def test_recovery_code_verifies_the_address_too(mail_site: MailSite) -> None:
    from tests.identity.http.test_recovery import _api_send
    from tests.identity.http.test_recovery import _code as recovery_code

    site = mail_site
    address, identity_id = site.identity()
    sent = _api_send(site, address)
    code = code_in(site.mail_to(address))
    site.kratos.frontend.update_recovery_flow(sent.id, recovery_code(code=code))
    assert _address(site, identity_id)["status"] == "completed"


def test_browser_registration_goes_on_to_the_verification_ui(mail_site: MailSite) -> None:
    from tests.support.kratos_ui import Page

    site = mail_site
    address = email()
    with site.browser() as b:
        page = Page(b.get(f"{site.public}/self-service/registration/browser"))
        page = Page(b.post(page.action, data=page.form("profile", **{"traits.email": address})))
        r = b.post(page.action, data=page.form("password", password=PASSWORD))
        assert r.url.path == "/verification", r.url
        shown = Page(r)
        assert shown.state == "sent_email"
        code = code_in(site.mail_to(address))
        done = Page(b.post(shown.action, data={**shown.form("code", code=code), "email": ""}))
        assert done.state == "passed_challenge"
        me = b.get(f"{site.public}/sessions/whoami", headers={"Accept": "application/json"})
        (verified,) = me.json()["identity"]["verifiable_addresses"]
        assert verified["verified"] is True


def test_verification_refusals_csrf_and_attempt_limit(mail_site: MailSite) -> None:
    from tests.support.kratos_ui import Page

    site = mail_site
    address, identity_id = site.identity()
    with site.browser() as b:
        page = Page(b.get(f"{site.public}/self-service/verification/browser"))
        form = page.form("code", email=address)
        form.pop("csrf_token")
        error = Page(b.post(page.action, data=form)).error
        assert error is not None and error["error"]["id"] == "security_csrf_violation"
    assert site.mails_to(address) == []
    front = site.kratos.frontend
    flow = front.create_native_verification_flow()
    front.update_verification_flow(flow.id, _code(email=address))
    code = code_in(site.mail_to(address))
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        front.update_verification_flow(flow.id, _code(code=wrong))
    r = httpx.post(
        f"{site.public}/self-service/verification?flow={flow.id}",
        json={"method": "code", "code": code},
    )
    assert r.status_code == 400
    (item,) = r.json()["error"]["details"]["continue_with"]
    assert item["action"] == "show_verification_ui"
    assert _address(site, identity_id)["verified"] is False


def test_unknown_recipients_are_told_and_short_flows_expire(notifying_site: MailSite) -> None:
    import time

    site = notifying_site
    address, _ = site.identity()
    unknown = f"stranger-{address}"
    front = site.kratos.frontend
    flow = front.create_native_verification_flow()
    sent = front.update_verification_flow(flow.id, _code(email=unknown))
    assert sent.state == "sent_email"  # the same answer as for a known address
    mail = site.mail_to(unknown)
    assert str(mail["Subject"]) == "Someone tried to verify this email address"
    body = mail.get_body(("plain",)).get_content()
    assert not re.search(r"\b\d{6}\b", body)  # no code in it
    recovery = front.create_native_recovery_flow()
    httpx.post(
        f"{site.public}/self-service/recovery?flow={recovery.id}",
        json={"method": "code", "email": unknown},
    )
    assert str(site.mail_to(unknown, 2)["Subject"]) == "Account access attempted"
    front.update_verification_flow(flow.id, _code(email=address))
    code = code_in(site.mail_to(address))
    time.sleep(2.2)
    r = httpx.post(
        f"{site.public}/self-service/verification?flow={flow.id}",
        json={"method": "code", "code": code},
    )
    assert r.status_code == 410 and r.json()["error"]["id"] == "self_service_flow_expired"
    fresh = front.get_verification_flow(r.json()["use_flow_id"])
    assert [m.id for m in fresh.ui.messages] == [4070005]
