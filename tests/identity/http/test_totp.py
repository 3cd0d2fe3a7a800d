"""TOTP over real sockets (decision 0024): linking in settings, aal2 login, unlinking.

Codes come from ``pyotp``, an independent implementation, as an
authenticator app would show them; the QR code is decoded back to the key
URL's image. Refusals: a wrong code, a replayed code, an aal1 session of an
identity with TOTP (whoami 403, settings sent to the aal2 login), aal2
without a session, and no key left in clear in rows or the log.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest
from ory_kratos_client import ApiClient, Configuration
from ory_kratos_client.api.frontend_api import FrontendApi
from ory_kratos_client.exceptions import ApiException
from ory_kratos_client.models import (
    UpdateLoginFlowBody,
    UpdateLoginFlowWithPasswordMethod,
    UpdateLoginFlowWithTotpMethod,
    UpdateSettingsFlowBody,
    UpdateSettingsFlowWithTotpMethod,
)

from tests.identity.http.conftest import MFA_PRIVILEGED, PASSWORD, Site, table_text
from tests.identity.http.mfa_support import (
    JSON,
    code,
    csrf,
    fresh_code,
    link_totp,
    names,
    node,
    settings_flow,
    totp_secret,
    whoami,
)
from tests.support.kratos_ui import Page

ROWS = (
    "identity_credentials",
    "identity_credential_identifiers",
    "selfservice_settings_flows",
    "selfservice_login_flows",
    "selfservice_errors",
)


def test_link_by_form_then_second_factor_login(mfa: Site) -> None:
    address, identity_id = mfa.identity()
    with mfa.browser() as b:
        mfa.sign_in(b, address)
        flow = settings_flow(mfa, b)
        qr = node(flow, "totp_qr")
        assert qr["type"] == "img" and qr["attributes"]["width"] == 256
        src = qr["attributes"]["src"]
        assert base64.b64decode(src.removeprefix("data:image/png;base64,"))[:4] == b"\x89PNG"
        assert {"totp_code", "totp_secret_key"} <= names(flow)
        shown = totp_secret(flow)
        assert shown not in table_text(mfa.kratos.dsn, "selfservice_settings_flows")
        secret = link_totp(mfa, b)
        creds = httpx.get(f"{mfa.admin}/admin/identities/{identity_id}").json()["credentials"]
        assert creds["totp"]["identifiers"] == [identity_id]
        # Linking proved the factor: this session is aal2 now, as in Kratos.
        s = whoami(mfa, b).json()
        assert s["authenticator_assurance_level"] == "aal2"
        assert [(m["method"], m["aal"]) for m in s["authentication_methods"]] == [
            ("password", "aal1"),
            ("totp", "aal2"),
        ]
    step_up = f"{mfa.public}/self-service/login/browser?aal=aal2"
    with mfa.browser() as b:
        # A new sign-in is sent on to the second step, and is aal1 until it is done.
        page = mfa.sign_in(b, address)
        assert page.response.url.path == "/login"
        assert page.response.history[-2].headers["location"] == step_up
        assert [m["id"] for m in page.messages] == [1010004]
        r = whoami(mfa, b)
        assert r.status_code == 403 and r.json()["error"]["id"] == "session_aal2_required"
        assert r.json()["redirect_browser_to"] == step_up
        assert r.json()["error"]["details"]["redirect_browser_to"] == step_up
        r = b.get(f"{mfa.public}/self-service/settings/browser", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith(f"{step_up}&return_to=")
        r = b.get(f"{mfa.public}/self-service/settings/browser", headers=JSON)
        assert r.status_code == 403 and r.json()["error"]["id"] == "session_aal2_required"
        wrong = Page(b.post(page.action, data=page.form("totp", totp_code="000000")))
        assert [m["id"] for m in wrong.messages] == [4000008]
        good = code(secret, 1)
        assert Page(b.post(page.action, data=page.form("totp", totp_code=good))).landing
        assert whoami(mfa, b).json()["authenticator_assurance_level"] == "aal2"
    with mfa.browser() as b:
        page = mfa.sign_in(b, address)
        replay = Page(b.post(page.action, data=page.form("totp", totp_code=good)))
        assert [m["id"] for m in replay.messages] == [4000008]
        assert whoami(mfa, b).status_code == 403
    rows = table_text(mfa.kratos.dsn, *ROWS)
    assert secret not in rows and secret not in mfa.kratos.server.log.read_text()


def test_unlink_and_refusals(mfa: Site) -> None:
    address, identity_id = mfa.identity()
    r = httpx.get(f"{mfa.public}/self-service/login/api", params={"aal": "aal2"})
    assert r.status_code == 401 and r.json()["error"]["id"] == "session_aal1_required"
    r = httpx.get(f"{mfa.public}/self-service/login/api", params={"aal": "aal3"})
    assert r.status_code == 400
    with mfa.browser() as b:
        mfa.sign_in(b, address)
        flow = settings_flow(mfa, b)
        body = {"method": "totp", "totp_code": "123456", "csrf_token": csrf(flow)}
        r = b.post(flow["ui"]["action"], json=body, headers=JSON)
        assert r.status_code == 400
        assert [m["id"] for m in node(r.json(), "totp_code")["messages"]] == [4000008]
        link_totp(mfa, b)
        assert (
            "totp" in httpx.get(f"{mfa.admin}/admin/identities/{identity_id}").json()["credentials"]
        )
        flow = settings_flow(mfa, b)
        assert "totp_unlink" in names(flow) and "totp_code" not in names(flow)
        r = b.post(
            flow["ui"]["action"],
            json={"totp_unlink": True, "csrf_token": csrf(flow)},
            headers=JSON,
        )
        assert r.status_code == 200 and r.json()["state"] == "success", r.text
        assert "totp_code" in names(r.json())
    creds = httpx.get(f"{mfa.admin}/admin/identities/{identity_id}").json()["credentials"]
    assert "totp" not in creds


def test_linking_needs_a_privileged_session(mfa: Site) -> None:
    address, identity_id = mfa.identity()
    with mfa.browser() as b:
        mfa.sign_in(b, address)
        flow = settings_flow(mfa, b)
        time.sleep(MFA_PRIVILEGED + 0.5)
        body = {
            "method": "totp",
            "totp_code": fresh_code(totp_secret(flow)),
            "csrf_token": csrf(flow),
        }
        r = b.post(flow["ui"]["action"], json=body, headers=JSON)
        assert r.status_code == 403 and r.json()["error"]["id"] == "session_refresh_required"
    creds = httpx.get(f"{mfa.admin}/admin/identities/{identity_id}").json()["credentials"]
    assert "totp" not in creds


def test_api_flows_through_the_sdk(mfa: Site) -> None:
    address, _ = mfa.identity()
    api = FrontendApi(ApiClient(Configuration(host=mfa.public)))

    def password_login() -> Any:
        flow = api.create_native_login_flow()
        return api.update_login_flow(
            flow=flow.id,
            update_login_flow_body=UpdateLoginFlowBody(
                UpdateLoginFlowWithPasswordMethod(
                    method="password", identifier=address, password=PASSWORD
                )
            ),
        )

    token = password_login().session_token
    flow = api.create_native_settings_flow(x_session_token=token)
    secret = next(
        n.attributes.actual_instance.text.context["secret"]
        for n in flow.ui.nodes
        if getattr(n.attributes.actual_instance, "id", None) == "totp_secret_key"
    )
    done = api.update_settings_flow(
        flow=flow.id,
        x_session_token=token,
        update_settings_flow_body=UpdateSettingsFlowBody(
            UpdateSettingsFlowWithTotpMethod(method="totp", totp_code=fresh_code(secret))
        ),
    )
    assert done.state == "success"
    assert api.to_session(x_session_token=token).authenticator_assurance_level == "aal2"
    second = password_login()
    assert second.session.identity is None
    assert second.session.authenticator_assurance_level == "aal1"
    with pytest.raises(ApiException) as exc:
        api.to_session(x_session_token=second.session_token)
    assert exc.value.status == 403 and "session_aal2_required" in str(exc.value.body)
    step = api.create_native_login_flow(aal="aal2", x_session_token=second.session_token)
    assert step.requested_aal == "aal2"
    upgraded = api.update_login_flow(
        flow=step.id,
        x_session_token=second.session_token,
        update_login_flow_body=UpdateLoginFlowBody(
            UpdateLoginFlowWithTotpMethod(method="totp", totp_code=code(secret, 1))
        ),
    )
    assert upgraded.session.authenticator_assurance_level == "aal2"
    me = api.to_session(x_session_token=second.session_token)
    assert me.authenticator_assurance_level == "aal2" and me.identity is not None


def test_guessing_codes_is_slowed_down(mfa: Site) -> None:
    address, _ = mfa.identity()
    with mfa.browser() as b:
        mfa.sign_in(b, address)
        secret = link_totp(mfa, b)
    with mfa.browser() as b:
        page = mfa.sign_in(b, address)
        flow = b.get(f"{mfa.public}/self-service/login/flows", params={"id": page.flow_id}).json()
        wrong = str((int(code(secret)) + 500_000) % 1_000_000).zfill(6)

        def guess() -> float:
            started = time.monotonic()
            body = {"method": "totp", "totp_code": wrong, "csrf_token": csrf(flow)}
            r = b.post(flow["ui"]["action"], json=body, headers=JSON)
            assert r.status_code == 400
            return time.monotonic() - started

        free = [guess() for _ in range(5)]
        assert max(free) < 0.25 or sorted(free)[2] < 0.25  # the first five are not delayed
        assert guess() >= 0.25 and guess() >= 0.5
        r = b.post(
            flow["ui"]["action"],
            json={"method": "totp", "totp_code": code(secret, 1), "csrf_token": csrf(flow)},
            headers=JSON,
        )
        assert r.status_code == 200, r.text
