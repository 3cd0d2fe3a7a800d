"""Passwordless login by a mailed code (decision 0023): Ory's SDK and a browser."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from ory_kratos_client.exceptions import ApiException
from ory_kratos_client.models.update_login_flow_body import UpdateLoginFlowBody
from ory_kratos_client.models.update_login_flow_with_code_method import (
    UpdateLoginFlowWithCodeMethod,
)

from tests.identity.http.conftest import MailSite, table_text
from tests.identity.http.test_recovery import code_in
from tests.support.kratos_ui import Page


def _code(**values: Any) -> UpdateLoginFlowBody:
    # the SDK requires csrf_token; api flows send it empty
    body = UpdateLoginFlowWithCodeMethod(method="code", csrf_token="", **values)
    return UpdateLoginFlowBody(body)


def _refused(call: Any) -> dict[str, Any]:
    """Kratos answers every step but the last with 400 and the flow."""
    import json

    with pytest.raises(ApiException) as exc:
        call()
    assert exc.value.status == 400
    body: dict[str, Any] = json.loads(exc.value.body)
    return body


def test_api_login_by_code(mail_site: MailSite) -> None:
    site = mail_site
    address, identity_id = site.identity()
    front = site.kratos.frontend
    flow = front.create_native_login_flow()
    assert any(
        n.attributes.actual_instance.name == "method" and n.group == "code" for n in flow.ui.nodes
    )
    sent = _refused(lambda: front.update_login_flow(flow.id, _code(identifier=address)))
    assert sent["state"] == "sent_email"
    assert [m["id"] for m in sent["ui"]["messages"]] == [1010014]
    mail = site.mail_to(address)
    code = code_in(mail)
    wrong = "000000" if code != "000000" else "111111"
    bad = _refused(lambda: front.update_login_flow(flow.id, _code(identifier=address, code=wrong)))
    assert [m["id"] for m in bad["ui"]["messages"]] == [4010008]
    done = front.update_login_flow(flow.id, _code(identifier=address, code=code))
    assert str(done.session.identity.id) == identity_id
    assert done.session.authentication_methods[0].method == "code"
    me = front.to_session(x_session_token=done.session_token)
    assert str(me.identity.id) == identity_id
    # the code proved the mailbox (Kratos's loginVerifyCode marks the address verified)
    assert [(a.value, a.verified) for a in me.identity.verifiable_addresses] == [(address, True)]
    rows = table_text(site.kratos.dsn, "identity_login_codes", "courier_messages")
    assert code not in rows


def test_unknown_identifier_and_the_attempt_limit(mail_site: MailSite) -> None:
    site = mail_site
    address, _ = site.identity()
    front = site.kratos.frontend
    flow = front.create_native_login_flow()
    unknown = _refused(
        lambda: front.update_login_flow(flow.id, _code(identifier=f"nobody-{address}"))
    )
    node = next(n for n in unknown["ui"]["nodes"] if n["attributes"]["name"] == "identifier")
    assert [m["id"] for m in node["messages"]] == [4000035]
    _refused(lambda: front.update_login_flow(flow.id, _code(identifier=address)))
    code = code_in(site.mail_to(address))
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        _refused(lambda: front.update_login_flow(flow.id, _code(identifier=address, code=wrong)))
    last = _refused(lambda: front.update_login_flow(flow.id, _code(identifier=address, code=code)))
    assert last["ui"]["messages"][0]["text"].startswith("The request was submitted too often")


def test_browser_login_by_code(mail_site: MailSite) -> None:
    site = mail_site
    address, identity_id = site.identity()
    with site.browser() as b:
        page = Page(b.get(f"{site.public}/self-service/login/browser"))
        form = page.form("code", identifier=address)
        form.pop("password", None)
        page = Page(b.post(page.action, data=form))
        assert page.state == "sent_email"
        code = code_in(site.mail_to(address))
        form = page.form("code", code=code)
        form.pop("resend", None)
        r = b.post(page.action, data=form)
        assert r.url.path == "/welcome", r.url
        me = b.get(f"{site.public}/sessions/whoami", headers={"Accept": "application/json"})
        assert me.json()["identity"]["id"] == identity_id
    assert httpx.get(f"{site.admin}/admin/identities/{identity_id}").json()["id"] == identity_id
