"""Lookup secrets (backup recovery codes) over real sockets (decision 0024).

Generated and confirmed in settings (SPA JSON and Ory's SDK), each code
works once at the aal2 login; a used or unknown code is refused with
Kratos's messages; codes are hashed at rest and never in the log;
``reveal`` is refused (Roost cannot show hashed codes again); ``disable``
removes them.
"""

from __future__ import annotations

from typing import Any

import httpx
from ory_kratos_client import ApiClient, Configuration
from ory_kratos_client.api.frontend_api import FrontendApi
from ory_kratos_client.models import (
    UpdateLoginFlowBody,
    UpdateLoginFlowWithLookupSecretMethod,
    UpdateLoginFlowWithPasswordMethod,
    UpdateSettingsFlowBody,
    UpdateSettingsFlowWithLookupMethod,
)

from tests.identity.http.conftest import PASSWORD, Site, table_text
from tests.identity.http.mfa_support import JSON, csrf, names, node, settings_flow, whoami
from tests.support.kratos_ui import Page


def _post(b: httpx.Client, flow: dict[str, Any], **body: Any) -> httpx.Response:
    return b.post(flow["ui"]["action"], json={**body, "csrf_token": csrf(flow)}, headers=JSON)


def _codes(flow: dict[str, Any]) -> list[str]:
    shown = node(flow, "lookup_secret_codes")["attributes"]["text"]
    assert shown["id"] == 1050015
    return [c["context"]["secret"] for c in shown["context"]["secrets"]]


def _set_up(site: Site, b: httpx.Client) -> list[str]:
    flow = settings_flow(site, b)
    assert {"lookup_secret_regenerate"} <= names(flow) and "lookup_secret_disable" not in names(
        flow
    )
    r = _post(b, flow, method="lookup_secret", lookup_secret_regenerate=True)
    assert r.status_code == 200 and r.json()["state"] == "show_form", r.text
    codes = _codes(r.json())
    waiting = table_text(site.kratos.dsn, "selfservice_settings_flows")
    assert not [c for c in codes if c in waiting]
    assert len(codes) == 12 and all(len(c) == 8 and c.isalnum() and c.islower() for c in codes)
    r = _post(b, r.json(), method="lookup_secret", lookup_secret_confirm=True)
    assert r.status_code == 200 and r.json()["state"] == "success", r.text
    assert "lookup_secret_codes" not in names(r.json())
    return codes


def _second_step(site: Site, b: httpx.Client, address: str, code: str) -> Page:
    page = site.sign_in(b, address)
    assert page.response.url.path == "/login" and "lookup_secret" in {f[0] for f in page.fields}
    return Page(b.post(page.action, data=page.form("lookup_secret", lookup_secret=code)))


def test_codes_work_once_and_are_hashed(mfa: Site) -> None:
    address, identity_id = mfa.identity()
    with mfa.browser() as b:
        mfa.sign_in(b, address)
        codes = _set_up(mfa, b)
        assert whoami(mfa, b).json()["authenticator_assurance_level"] == "aal2"
    with mfa.browser() as b:
        assert _second_step(mfa, b, address, codes[0]).landing
        s = whoami(mfa, b).json()
        assert s["authenticator_assurance_level"] == "aal2"
        assert s["authentication_methods"][-1]["method"] == "lookup_secret"
    with mfa.browser() as b:
        used = _second_step(mfa, b, address, codes[0])
        assert [m["id"] for m in used.messages] == [4000012]
        unknown = Page(b.post(used.action, data=used.form("lookup_secret", lookup_secret="zz")))
        assert [m["id"] for m in unknown.messages] == [4000016]
        assert whoami(mfa, b).status_code == 403
        assert Page(
            b.post(used.action, data=used.form("lookup_secret", lookup_secret=codes[1]))
        ).landing
        assert whoami(mfa, b).status_code == 200
    admin = httpx.get(
        f"{mfa.admin}/admin/identities/{identity_id}",
        params={"include_credential": "lookup_secret"},
    ).json()
    stored = admin["credentials"]["lookup_secret"]["config"]["recovery_codes"]
    assert [bool(c["used_at"]) for c in stored[:3]] == [True, True, False]
    rows = table_text(
        mfa.kratos.dsn,
        "identity_credentials",
        "selfservice_settings_flows",
        "selfservice_login_flows",
    )
    log = mfa.kratos.server.log.read_text()
    assert not [c for c in codes if c in rows or c in log]


def test_reveal_is_refused_and_disable_removes(mfa: Site) -> None:
    address, identity_id = mfa.identity()
    with mfa.browser() as b:
        mfa.sign_in(b, address)
        _set_up(mfa, b)
        flow = settings_flow(mfa, b)
        assert {"lookup_secret_regenerate", "lookup_secret_disable"} <= names(flow)
        r = _post(b, flow, lookup_secret_reveal=True)
        assert r.status_code == 400
        assert [m["id"] for m in node(r.json(), "lookup_secret_regenerate")["messages"]] == []
        assert 4000001 in [m["id"] for m in r.json()["ui"]["messages"]]
        r = _post(b, r.json(), lookup_secret_disable=True)
        assert r.status_code == 200 and r.json()["state"] == "success", r.text
        assert "lookup_secret_disable" not in names(r.json())
    creds = httpx.get(f"{mfa.admin}/admin/identities/{identity_id}").json()["credentials"]
    assert "lookup_secret" not in creds
    with mfa.browser() as b:
        assert mfa.sign_in(b, address).landing == "/welcome"


def test_sdk_api_flows(mfa: Site) -> None:
    address, _ = mfa.identity()
    api = FrontendApi(ApiClient(Configuration(host=mfa.public)))

    def sign_in() -> str:
        flow = api.create_native_login_flow()
        token: str = api.update_login_flow(
            flow=flow.id,
            update_login_flow_body=UpdateLoginFlowBody(
                UpdateLoginFlowWithPasswordMethod(
                    method="password", identifier=address, password=PASSWORD
                )
            ),
        ).session_token
        return token

    token = sign_in()

    def settings(flow_id: str, **body: Any) -> Any:
        return api.update_settings_flow(
            flow=flow_id,
            x_session_token=token,
            update_settings_flow_body=UpdateSettingsFlowBody(
                UpdateSettingsFlowWithLookupMethod(method="lookup_secret", **body)
            ),
        )

    flow = api.create_native_settings_flow(x_session_token=token)
    shown = settings(flow.id, lookup_secret_regenerate=True)
    codes = [
        c["context"]["secret"]
        for n in shown.ui.nodes
        if getattr(n.attributes.actual_instance, "id", None) == "lookup_secret_codes"
        for c in n.attributes.actual_instance.text.context["secrets"]
    ]
    assert len(codes) == 12
    assert settings(flow.id, lookup_secret_confirm=True).state == "success"
    token = sign_in()
    step = api.create_native_login_flow(aal="aal2", x_session_token=token)
    assert {n.attributes.actual_instance.name for n in step.ui.nodes if n.type == "input"} >= {
        "lookup_secret",
        "csrf_token",
    }
    done = api.update_login_flow(
        flow=step.id,
        x_session_token=token,
        update_login_flow_body=UpdateLoginFlowBody(
            UpdateLoginFlowWithLookupSecretMethod(method="lookup_secret", lookup_secret=codes[5])
        ),
    )
    assert done.session.authenticator_assurance_level == "aal2"
