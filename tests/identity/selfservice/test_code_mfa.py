"""The mailed code as a second factor (``methods.code.mfa_enabled``, decision 0035) over real
sockets, SQLite and PostgreSQL.

Codes are read from the mails a real SMTP server (aiosmtpd) received; Ory's SDK
and a cookie-keeping browser submit them. Covered: a password session is
aal1 and sent on to ``aal=aal2``, where an identity with one address gets its
code at once (Kratos's fast path) and one with two addresses chooses
(``address`` buttons, 1010023; ``via``); the code makes the session aal2 with
``code`` at aal2 (whoami at ``highest_available`` passes); settings steps up
the same way. Refusals: a wrong code (4010008), the attempt limit, a code
reused in a later flow, another identity's address (4010010, nothing mailed),
and no offer at all while ``mfa_enabled`` is off.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from ory_kratos_client import ApiClient, Configuration
from ory_kratos_client.api.frontend_api import FrontendApi
from ory_kratos_client.exceptions import ApiException
from ory_kratos_client.models import (
    UpdateLoginFlowBody,
    UpdateLoginFlowWithCodeMethod,
    UpdateLoginFlowWithPasswordMethod,
)

from tests.conftest import BACKENDS
from tests.identity.conftest import email
from tests.identity.http.conftest import (
    PASSWORD,
    QUICKSTART_SCHEMA,
    MailSite,
    _mail_site,
    table_text,
)
from tests.identity.http.test_recovery import code_in
from tests.support.kratos_ui import Page

JSON = {"Accept": "application/json"}
MFA = {"selfservice": {"methods": {"code": {"passwordless_enabled": False, "mfa_enabled": True}}}}


def _schema() -> dict[str, Any]:
    """The quickstart schema plus ``backup``, a second address marked as a code identifier."""
    doc = copy.deepcopy(QUICKSTART_SCHEMA)
    code = {"credentials": {"code": {"identifier": True, "via": "email"}}}
    backup = {"type": "string", "format": "email", "ory.sh/kratos": code}
    doc["properties"]["traits"]["properties"]["backup"] = backup
    return doc


@pytest.fixture(scope="module", params=BACKENDS)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MailSite]:
    yield from _mail_site(request.param, tmp_path_factory, {}, MFA, _schema())


def _identity(site: MailSite, backup: str | None = None) -> tuple[str, str]:
    address = email()
    traits: dict[str, Any] = {"email": address, **({"backup": backup} if backup else {})}
    r = httpx.post(
        f"{site.admin}/admin/identities",
        json={
            "schema_id": "default",
            "traits": traits,
            "credentials": {"password": {"config": {"password": PASSWORD}}},
        },
    )
    assert r.status_code == 201, r.text
    return address, r.json()["id"]


def _api(site: MailSite) -> FrontendApi:
    return FrontendApi(ApiClient(Configuration(host=site.public)))


def _password_login(site: MailSite, address: str) -> Any:
    api = _api(site)
    flow = api.create_native_login_flow()
    body = UpdateLoginFlowWithPasswordMethod(
        method="password", identifier=address, password=PASSWORD
    )
    return api.update_login_flow(flow=flow.id, update_login_flow_body=UpdateLoginFlowBody(body))


def _code_body(**values: Any) -> UpdateLoginFlowBody:
    return UpdateLoginFlowBody(
        UpdateLoginFlowWithCodeMethod(method="code", csrf_token="", **values)
    )


def _refused(call: Any) -> dict[str, Any]:
    with pytest.raises(ApiException) as exc:
        call()
    assert exc.value.status == 400, exc.value.body
    body: dict[str, Any] = json.loads(exc.value.body)
    return body


def _ids(flow: dict[str, Any]) -> list[int]:
    return [m["id"] for m in flow["ui"]["messages"]]


def _step_up(site: MailSite, token: str, **params: str) -> dict[str, Any]:
    r = httpx.get(
        f"{site.public}/self-service/login/api",
        params={"aal": "aal2", **params},
        headers={"X-Session-Token": token},
    )
    assert r.status_code == 200, r.text
    flow: dict[str, Any] = r.json()
    return flow


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_browser_password_then_mailed_code_is_aal2(site: MailSite) -> None:
    address, identity_id = _identity(site)
    before = httpx.get(f"{site.admin}/admin/identities/{identity_id}").json()
    assert before["verifiable_addresses"][0]["verified"] is False
    step_up = f"{site.public}/self-service/login/browser?aal=aal2"
    with site.browser() as b:
        page = site.sign_in(b, address)
        # one address and no other factor: the code is mailed as the aal2 flow is made
        assert page.response.history[-2].headers["location"] == step_up
        assert page.state == "sent_email" and [m["id"] for m in page.messages] == [1010025]
        me = b.get(f"{site.public}/sessions/whoami", headers=JSON)
        assert me.status_code == 403 and me.json()["error"]["id"] == "session_aal2_required"
        code = code_in(site.mail_to(address))
        form = {k: v for k, v in page.form("code", code=code).items() if k != "resend"}
        done = b.post(page.action, data=form)
        assert done.url.path == "/welcome", done.url
        me = b.get(f"{site.public}/sessions/whoami", headers=JSON)
        assert me.status_code == 200, me.text
        s = me.json()
        assert s["identity"]["id"] == identity_id
        assert s["authenticator_assurance_level"] == "aal2"
        assert [(m["method"], m["aal"]) for m in s["authentication_methods"]] == [
            ("password", "aal1"),
            ("code", "aal2"),
        ]
    # the code proved the mailbox: the address is verified now, as Kratos marks it
    admin = httpx.get(f"{site.admin}/admin/identities/{identity_id}").json()
    assert [(a["value"], a["verified"]) for a in admin["verifiable_addresses"]] == [(address, True)]
    rows = table_text(site.kratos.dsn, "identity_login_codes", "courier_messages")
    assert code not in rows


def test_api_chooses_among_addresses(site: MailSite) -> None:
    backup = email()
    address, identity_id = _identity(site, backup)
    first = _password_login(site, address)
    assert first.session.identity is None and first.session.authenticator_assurance_level == "aal1"
    token = first.session_token
    flow = _step_up(site, token)
    assert flow["state"] == "choose_method" and _ids(flow) == [1010004]
    buttons = [n for n in flow["ui"]["nodes"] if n["group"] == "code"]
    assert [(n["attributes"]["name"], n["attributes"]["type"]) for n in buttons] == [
        ("address", "submit"),
        ("address", "submit"),
    ]
    assert [n["attributes"]["value"] for n in buttons] == [address, backup]
    label = buttons[1]["meta"]["label"]
    assert label["id"] == 1010023 and label["context"] == {"address": backup, "channel": "email"}
    api = _api(site)
    # the browser's button posts only ``address``; the SDK adds ``method``
    r = httpx.post(
        f"{site.public}/self-service/login?flow={flow['id']}",
        json={"address": backup.upper()},
        headers={"X-Session-Token": token},
    )
    assert r.status_code == 400, r.text
    sent = r.json()
    assert sent["state"] == "sent_email" and _ids(sent) == [1010025]
    code = code_in(site.mail_to(backup))
    assert site.mails_to(address) == []
    bad = _refused(
        lambda: api.update_login_flow(
            flow=flow["id"],
            x_session_token=token,
            update_login_flow_body=_code_body(address=backup, code=_wrong(code)),
        )
    )
    assert _ids(bad) == [4010008]
    done = api.update_login_flow(
        flow=flow["id"],
        x_session_token=token,
        update_login_flow_body=_code_body(address=backup, code=code),
    )
    assert done.session.authenticator_assurance_level == "aal2"
    me = api.to_session(x_session_token=token)
    assert str(me.identity.id) == identity_id and me.authenticator_assurance_level == "aal2"
    assert [(m.method, m.aal) for m in me.authentication_methods] == [
        ("password", "aal1"),
        ("code", "aal2"),
    ]
    # ``via`` names the trait: that address alone, mailed at once
    second = _password_login(site, address).session_token
    fast = _step_up(site, second, via="backup")
    assert fast["state"] == "sent_email" and _ids(fast) == [1010025]
    assert code_in(site.mail_to(backup, count=2))
    r = httpx.get(
        f"{site.public}/self-service/login/api",
        params={"aal": "aal2", "via": "name"},
        headers={"X-Session-Token": second},
    )
    assert r.status_code == 400 and "error" in r.json()


def test_attempt_limit_and_reused_code(site: MailSite) -> None:
    address, _ = _identity(site)
    api = _api(site)
    token = _password_login(site, address).session_token
    flow = _step_up(site, token)
    assert flow["state"] == "sent_email"
    code = code_in(site.mail_to(address))
    for _ in range(5):
        bad = _refused(
            lambda: api.update_login_flow(
                flow=flow["id"],
                x_session_token=token,
                update_login_flow_body=_code_body(code=_wrong(code)),
            )
        )
        assert _ids(bad) == [4010008]
    last = _refused(
        lambda: api.update_login_flow(
            flow=flow["id"], x_session_token=token, update_login_flow_body=_code_body(code=code)
        )
    )
    assert last["ui"]["messages"][0]["text"].startswith("The request was submitted too often")
    # a new flow mails a new code; the earlier flow's code is worth nothing in it
    again = _step_up(site, token)
    fresh = code_in(site.mail_to(address, count=2))
    if fresh != code:
        reused = _refused(
            lambda: api.update_login_flow(
                flow=again["id"],
                x_session_token=token,
                update_login_flow_body=_code_body(code=code),
            )
        )
        assert _ids(reused) == [4010008]
    done = api.update_login_flow(
        flow=again["id"], x_session_token=token, update_login_flow_body=_code_body(code=fresh)
    )
    assert done.session.authenticator_assurance_level == "aal2"
    # used once: the same code in the next flow of another session is refused
    other = _password_login(site, address).session_token
    third = _step_up(site, other)
    newest = code_in(site.mail_to(address, count=3))
    if newest != fresh:
        replay = _refused(
            lambda: api.update_login_flow(
                flow=third["id"],
                x_session_token=other,
                update_login_flow_body=_code_body(code=fresh),
            )
        )
        assert _ids(replay) == [4010008]


def test_another_identitys_address_is_refused(site: MailSite) -> None:
    address, _ = _identity(site, email())
    stranger, _ = _identity(site)
    token = _password_login(site, address).session_token
    flow = _step_up(site, token)
    assert flow["state"] == "choose_method"
    api = _api(site)
    refused = _refused(
        lambda: api.update_login_flow(
            flow=flow["id"],
            x_session_token=token,
            update_login_flow_body=_code_body(address=stranger),
        )
    )
    assert _ids(refused) == [4010010]
    assert refused["state"] == "choose_method"
    # the stranger's own login code does not pass in this identity's flow either
    theirs = _password_login(site, stranger).session_token
    _step_up(site, theirs)
    their_code = code_in(site.mail_to(stranger))
    sent = _refused(
        lambda: api.update_login_flow(
            flow=flow["id"],
            x_session_token=token,
            update_login_flow_body=_code_body(address=address),
        )
    )
    assert sent["state"] == "sent_email"
    mine = code_in(site.mail_to(address))
    if mine != their_code:
        bad = _refused(
            lambda: api.update_login_flow(
                flow=flow["id"],
                x_session_token=token,
                update_login_flow_body=_code_body(code=their_code),
            )
        )
        assert _ids(bad) == [4010008]
    assert len(site.mails_to(stranger)) == 1


def test_settings_steps_up_with_a_mailed_code(site: MailSite) -> None:
    address, _ = _identity(site)
    settings = f"{site.public}/self-service/settings/browser"
    with site.browser() as b:
        site.sign_in(b, address)  # stops at the mailed code: the session stays aal1
        # The courier may send two queued mails in either order: let the sign-in's mail
        # arrive first, so the second mail is the step-up's.
        site.mail_to(address)
        r = b.get(settings, follow_redirects=False)
        step_up = f"{site.public}/self-service/login/browser?aal=aal2"
        assert r.status_code == 303 and r.headers["location"].startswith(f"{step_up}&return_to=")
        page = Page(b.get(r.headers["location"]))
        assert page.state == "sent_email"
        code = code_in(site.mail_to(address, count=2))
        form = {k: v for k, v in page.form("code", code=code).items() if k != "resend"}
        done = b.post(page.action, data=form)
        assert done.url.path == "/settings", done.url
        flow = b.get(settings, headers=JSON)
        assert flow.status_code == 200 and flow.json()["state"] == "show_form", flow.text


@pytest.fixture(scope="module", params=BACKENDS)
def off(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MailSite]:
    """The same addresses with ``mfa_enabled`` off (Kratos's default)."""
    more = {"selfservice": {"methods": {"code": {"passwordless_enabled": False}}}}
    yield from _mail_site(request.param, tmp_path_factory, {}, more, _schema())


def test_not_offered_while_mfa_is_off(off: MailSite) -> None:
    address, _ = _identity(off, email())
    done = _password_login(off, address)
    assert done.session.identity is not None  # aal1 is all this identity can do
    assert done.session.authenticator_assurance_level == "aal1"
    token = done.session_token
    me = httpx.get(f"{off.public}/sessions/whoami", headers={"X-Session-Token": token})
    assert me.status_code == 200
    r = httpx.get(
        f"{off.public}/self-service/login/api",
        params={"aal": "aal2"},
        headers={"X-Session-Token": token},
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == 400
    assert off.mails_to(address) == []


def test_odd_input_is_a_400_never_a_500(site: MailSite) -> None:
    address, _ = _identity(site, email())
    token = _password_login(site, address).session_token
    flow = _step_up(site, token)
    url = f"{site.public}/self-service/login?flow={flow['id']}"
    headers = {"X-Session-Token": token}
    for value in (["a@b.c"], 7, "x\x00@b.c", "\ud800@b.c", "a" * 5000 + "@b.c", ""):
        raw = json.dumps({"method": "code", "address": value})  # \ud800 stays escaped
        r = httpx.post(url, content=raw, headers={**headers, "Content-Type": "application/json"})
        assert r.status_code == 400, (repr(value)[:40], r.text[:200])
        assert r.json().get("state", "choose_method") == "choose_method"
    for via in ("\x00", "a" * 5000, "email.x.y"):
        r = httpx.get(
            f"{site.public}/self-service/login/api",
            params={"aal": "aal2", "via": via},
            headers=headers,
        )
        assert r.status_code == 400 and "error" in r.json(), r.text[:200]
    assert site.mails_to(address) == []
    # resend mails a new code to the same address; only the newest one passes
    sent = httpx.post(url, json={"address": address}, headers=headers).json()
    assert sent["state"] == "sent_email"
    first = code_in(site.mail_to(address))
    again = httpx.post(
        url, json={"method": "code", "resend": "code", "identifier": address}, headers=headers
    )
    assert again.status_code == 400 and again.json()["state"] == "sent_email"
    second = code_in(site.mail_to(address, count=2))
    if first != second:
        r = httpx.post(url, json={"method": "code", "code": first}, headers=headers)
        assert r.status_code == 400 and _ids(r.json()) == [4010008]
    r = httpx.post(url, json={"method": "code", "code": second}, headers=headers)
    assert r.status_code == 200 and r.json()["session"]["authenticator_assurance_level"] == "aal2"
