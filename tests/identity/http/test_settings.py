"""The settings flow over real sockets: browser forms, SPA JSON and Ory's SDK (api).

Profile (traits) and password changes, the privileged session age with the
``refresh=true`` login it sends the browser to, and the refusals: no
session, a CSRF token missing, another identity's flow, an expired flow, a
weak password. No password is left in clear in the flow rows or the log.
"""

from __future__ import annotations

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
    UpdateSettingsFlowBody,
    UpdateSettingsFlowWithPasswordMethod,
    UpdateSettingsFlowWithProfileMethod,
)

from tests.identity.conftest import email
from tests.identity.http.conftest import PASSWORD, Site, table_text
from tests.support.kratos_ui import Page

JSON = {"Accept": "application/json"}
NEW_PASSWORD = "Another-Secret-0022?"


def _traits(address: str, first: str = "B") -> dict[str, Any]:
    return {"email": address, "name": {"first": first, "last": "F"}}


def _token(flow: dict[str, Any]) -> str:
    return next(
        n["attributes"]["value"]
        for n in flow["ui"]["nodes"]
        if n["attributes"]["name"] == "csrf_token"
    )


def _identity(site: Site, identity_id: str) -> dict[str, Any]:
    r = httpx.get(f"{site.admin}/admin/identities/{identity_id}")
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


def test_browser_profile_change_by_form(site: Site) -> None:
    address, identity_id = site.identity()
    with site.browser() as b:
        site.sign_in(b, address)
        page = Page(b.get(f"{site.public}/self-service/settings/browser"))
        assert page.response.url.path == "/settings" and page.state == "show_form"
        groups = {(name, group) for name, _kind, _value, group in page.fields}
        assert {("traits.email", "profile"), ("password", "password")} <= groups
        assert ("traits.email", "email", address, "profile") in page.fields
        form = page.form("profile", **{"traits.name.first": "Changed"})
        form.pop("password", None)
        done = Page(b.post(page.action, data=form))
        assert done.response.url.path == "/settings" and done.state == "success"
        assert [m["id"] for m in done.messages] == [1050001]
        assert _identity(site, identity_id)["traits"]["name"]["first"] == "Changed"


def test_browser_password_change_then_sign_in_with_it(site: Site) -> None:
    address, _ = site.identity()
    with site.browser() as b:
        site.sign_in(b, address)
        page = Page(b.get(f"{site.public}/self-service/settings/browser"))
        done = b.post(
            page.action,
            data={
                "csrf_token": page.form("password")["csrf_token"],
                "method": "password",
                "password": NEW_PASSWORD,
            },
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"{site.ui.url}/settings?flow={page.flow_id}"
    with site.browser() as b:
        assert site.sign_in(b, address, NEW_PASSWORD).landing == "/welcome"
    with site.browser() as b:
        assert site.sign_in(b, address, PASSWORD).response.url.path == "/login"
    rows = table_text(
        site.kratos.dsn,
        "selfservice_settings_flows",
        "selfservice_login_flows",
        "selfservice_errors",
    )
    assert NEW_PASSWORD not in rows and PASSWORD not in rows
    log = site.kratos.server.log.read_text()
    assert NEW_PASSWORD not in log and PASSWORD not in log


def test_spa_settings_changes_a_protected_trait_while_privileged(site: Site) -> None:
    address, identity_id = site.identity()
    with site.browser() as b:
        site.sign_in(b, address)
        flow = b.get(f"{site.public}/self-service/settings/browser", headers=JSON).json()
        assert flow["identity"]["id"] == identity_id and flow["state"] == "show_form"
        again = b.get(f"{site.public}/self-service/settings/flows", params={"id": flow["id"]})
        assert again.status_code == 200 and again.json()["id"] == flow["id"]
        new = email()
        r = b.post(
            flow["ui"]["action"],
            json={"method": "profile", "traits": _traits(new), "csrf_token": _token(flow)},
            headers=JSON,
        )
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "success" and r.json()["identity"]["traits"]["email"] == new
    with site.browser() as b:
        assert site.sign_in(b, new).landing == "/welcome"


def test_settings_needs_a_session(site: Site) -> None:
    with site.browser() as b:
        r = b.get(f"{site.public}/self-service/settings/browser", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == f"{site.public}/self-service/login/browser"
        assert Page(b.get(f"{site.public}/self-service/settings/browser")).response.url.path == (
            "/login"
        )
        r = b.get(f"{site.public}/self-service/settings/browser", headers=JSON)
        assert r.status_code == 401 and r.json()["error"]["id"] == "session_inactive"
        r = httpx.get(f"{site.public}/self-service/settings/api")
        assert r.status_code == 401


def test_settings_refusals_csrf_and_another_identity(site: Site) -> None:
    mine, _ = site.identity()
    theirs, their_id = site.identity()
    with site.browser() as a, site.browser() as b:
        site.sign_in(a, mine)
        site.sign_in(b, theirs)
        flow = a.get(f"{site.public}/self-service/settings/browser", headers=JSON).json()
        body = {"method": "profile", "traits": _traits(mine, "X")}
        r = a.post(flow["ui"]["action"], json=body, headers=JSON)
        assert r.status_code == 403 and r.json()["error"]["id"] == "security_csrf_violation"
        other = b.get(f"{site.public}/self-service/settings/browser", headers=JSON).json()
        r = b.post(flow["ui"]["action"], json={**body, "csrf_token": _token(other)}, headers=JSON)
        assert r.status_code == 403 and r.json()["error"]["id"] == "security_identity_mismatch"
        r = b.get(f"{site.public}/self-service/settings/flows", params={"id": flow["id"]})
        assert r.status_code == 403
        assert _identity(site, their_id)["traits"]["name"]["first"] == "B"


def test_settings_through_the_sdk_api_flow(site: Site) -> None:
    address, identity_id = site.identity()
    api = FrontendApi(ApiClient(Configuration(host=site.public)))
    login = api.create_native_login_flow()
    token = api.update_login_flow(
        flow=login.id,
        update_login_flow_body=UpdateLoginFlowBody(
            UpdateLoginFlowWithPasswordMethod(
                method="password", identifier=address, password=PASSWORD
            )
        ),
    ).session_token
    flow = api.create_native_settings_flow(x_session_token=token)
    assert flow.type == "api" and flow.identity.id == identity_id
    assert api.get_settings_flow(id=flow.id, x_session_token=token).id == flow.id
    done = api.update_settings_flow(
        flow=flow.id,
        x_session_token=token,
        update_settings_flow_body=UpdateSettingsFlowBody(
            UpdateSettingsFlowWithProfileMethod(method="profile", traits=_traits(address, "Sdk"))
        ),
    )
    assert done.state == "success" and done.identity.traits["name"]["first"] == "Sdk"
    weak = api.create_native_settings_flow(x_session_token=token)
    with pytest.raises(ApiException) as exc:
        api.update_settings_flow(
            flow=weak.id,
            x_session_token=token,
            update_settings_flow_body=UpdateSettingsFlowBody(
                UpdateSettingsFlowWithPasswordMethod(method="password", password="short")
            ),
        )
    assert exc.value.status == 400 and "4000032" in str(exc.value.body)


def test_unprivileged_session_is_sent_to_refresh(brief: Site) -> None:
    address, identity_id = brief.identity()
    with brief.browser() as b:
        brief.sign_in(b, address)
        time.sleep(2.5)
        flow = b.get(f"{brief.public}/self-service/settings/browser", headers=JSON).json()
        password = {"method": "password", "password": NEW_PASSWORD, "csrf_token": _token(flow)}
        r = b.post(flow["ui"]["action"], json=password, headers=JSON)
        assert r.status_code == 403
        assert r.json()["error"]["id"] == "session_refresh_required"
        assert r.json()["redirect_browser_to"].startswith(
            f"{brief.public}/self-service/login/browser?refresh=true"
        )
        protected = {"method": "profile", "traits": _traits(email()), "csrf_token": _token(flow)}
        r = b.post(flow["ui"]["action"], json=protected, headers=JSON)
        assert r.status_code == 403 and r.json()["error"]["id"] == "session_refresh_required"
        harmless = {**protected, "traits": _traits(address, "Still")}
        r = b.post(flow["ui"]["action"], json=harmless, headers=JSON)
        assert r.status_code == 200 and r.json()["state"] == "success"
        # the form post goes to the refresh login, and after it the change is allowed
        flow = b.get(f"{brief.public}/self-service/settings/browser", headers=JSON).json()
        form = {**password, "csrf_token": _token(flow)}
        refresh = Page(b.post(flow["ui"]["action"], data=form))
        assert refresh.response.url.path == "/login"
        assert [m["id"] for m in refresh.messages] == [1010003]
        b.post(refresh.action, data=refresh.form("password", identifier=address, password=PASSWORD))
        flow = b.get(f"{brief.public}/self-service/settings/browser", headers=JSON).json()
        r = b.post(
            flow["ui"]["action"], json={**password, "csrf_token": _token(flow)}, headers=JSON
        )
        assert r.status_code == 200, r.text
        assert _identity(brief, identity_id)["traits"]["name"]["first"] == "Still"


def test_expired_settings_flow(brief: Site) -> None:
    address, _ = brief.identity()
    with brief.browser() as b:
        brief.sign_in(b, address)
        flow = b.get(f"{brief.public}/self-service/settings/browser", headers=JSON).json()
        time.sleep(2.5)
        body = {"method": "profile", "traits": _traits(address), "csrf_token": _token(flow)}
        r = b.post(flow["ui"]["action"], json=body, headers=JSON)
        assert r.status_code == 410 and r.json()["error"]["id"] == "self_service_flow_expired"
        fresh = b.get(
            f"{brief.public}/self-service/settings/flows", params={"id": r.json()["use_flow_id"]}
        )
        assert fresh.status_code == 200
        assert [m["id"] for m in fresh.json()["ui"]["messages"]] == [4050001]
