"""Registration by a mailed code (decision 0032) over real sockets, SQLite and PostgreSQL.

The code is read from the mail a real SMTP server (aiosmtpd) received; Ory's
SDK submits it. Covered: the code button and the ``sent_email`` screen, the
identity created with its address verified and no password, the ``session``
hook of ``after.code.hooks`` (a ``code`` session), and the refusals: a wrong
code (4040003), traits changed after the mail, the attempt limit, an address
already registered, and no code in clear in any row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from ory_kratos_client.models import (
    UpdateRegistrationFlowBody,
    UpdateRegistrationFlowWithCodeMethod,
)

from tests.conftest import BACKENDS
from tests.identity.conftest import email
from tests.identity.http.conftest import MailSite, _mail_site, table_text
from tests.support.kratos_ui import Page


@pytest.fixture(scope="module", params=BACKENDS)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MailSite]:
    after = {"code": {"hooks": [{"hook": "session"}]}}
    more = {"selfservice": {"flows": {"registration": {"after": after}}}}
    yield from _mail_site(request.param, tmp_path_factory, {}, more)


def code_in(mail: Any) -> str:
    found = re.search(r"\b(\d{6})\b", mail.get_body(("plain",)).get_content())
    assert found
    return found.group(1)


def send(site: MailSite, address: str) -> dict[str, Any]:
    """A native flow through its first submit: the ``sent_email`` flow."""
    flow = httpx.get(f"{site.public}/self-service/registration/api").json()
    buttons = [
        n
        for n in flow["ui"]["nodes"]
        if n["group"] == "code" and n["attributes"]["type"] == "submit"
    ]
    assert [b["meta"]["label"]["id"] for b in buttons] == [1040006]
    body = {"method": "code", "traits": {"email": address}}
    r = httpx.post(f"{site.public}/self-service/registration?flow={flow['id']}", json=body)
    assert r.status_code == 400, r.text
    sent: dict[str, Any] = r.json()
    assert sent["state"] == "sent_email" and [m["id"] for m in sent["ui"]["messages"]] == [1040005]
    return sent


def submit(site: MailSite, flow: dict[str, Any], **body: Any) -> httpx.Response:
    url = f"{site.public}/self-service/registration?flow={flow['id']}"
    return httpx.post(url, json={"method": "code", **body})


def test_a_mailed_code_creates_a_verified_identity_with_a_code_session(site: MailSite) -> None:
    address = email()
    sent = send(site, address)
    names = {n["attributes"].get("name") for n in sent["ui"]["nodes"]}
    assert {"code", "resend", "traits.email"} <= names and "password" not in names
    mail = site.mail_to(address)
    code = code_in(mail)
    body = UpdateRegistrationFlowBody(
        UpdateRegistrationFlowWithCodeMethod(method="code", code=code, traits={"email": address})
    )
    done = site.kratos.frontend.update_registration_flow(
        flow=sent["id"], update_registration_flow_body=body
    )
    [verified] = done.identity.verifiable_addresses
    assert verified.value == address and verified.verified and verified.status == "completed"
    assert done.session_token
    me = site.kratos.frontend.to_session(x_session_token=done.session_token)
    assert [m.method for m in me.authentication_methods] == ["code"]
    stored = httpx.get(f"{site.admin}/admin/identities/{done.identity.id}").json()
    assert set(stored["credentials"]) == {"code"}  # no password to sign in with
    rows = table_text(
        site.kratos.dsn, "identity_registration_codes", "selfservice_registration_flows"
    )
    assert code not in rows and code not in site.kratos.server.log.read_text()
    again = submit(site, sent, code=code)
    assert again.status_code in (400, 410) and "identity" not in again.json()


def test_wrong_code_changed_traits_and_the_attempt_limit(site: MailSite) -> None:
    address = email()
    sent = send(site, address)
    code = code_in(site.mail_to(address))
    wrong = "000000" if code != "000000" else "111111"
    r = submit(site, sent, code=wrong)
    assert r.status_code == 400 and [m["id"] for m in r.json()["ui"]["messages"]] == [4040003]
    r = submit(site, sent, code=code, traits={"email": "other-" + address})
    assert r.status_code == 400 and "traits changed" in r.json()["ui"]["messages"][0]["text"]
    for _ in range(3):
        submit(site, sent, code=wrong)
    r = submit(site, sent, code=code)  # the sixth submission: refused, though right
    assert r.status_code == 400 and "too often" in r.json()["ui"]["messages"][0]["text"]
    url = f"{site.admin}/admin/identities"
    assert httpx.get(url, params={"credentials_identifier": address}).json() == []


def test_an_address_already_registered_is_refused_after_the_code(site: MailSite) -> None:
    address, _ = site.identity()
    sent = send(site, address)
    r = submit(site, sent, code=code_in(site.mail_to(address)))
    assert r.status_code == 400
    assert [m["id"] for m in r.json()["ui"]["messages"]] == [4000007]


def test_browser_registration_by_code_form_posts(site: MailSite) -> None:
    address = email()
    with site.browser() as b:
        page = Page(b.get(f"{site.public}/self-service/registration/browser"))
        form = page.form("code", **{"traits.email": address})
        form.pop("password", None)
        page = Page(b.post(page.action, data=form))  # 303 back to the UI, code form shown
        assert page.state == "sent_email"
        form = page.form("code", code=code_in(site.mail_to(address)))
        form.pop("resend", None)
        r = b.post(page.action, data=form)
        assert r.url.path == "/welcome", r.url
        me = b.get(f"{site.public}/sessions/whoami", headers={"Accept": "application/json"})
        assert me.status_code == 200
        assert me.json()["identity"]["verifiable_addresses"][0]["verified"] is True
