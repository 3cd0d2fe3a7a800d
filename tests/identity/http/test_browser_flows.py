"""Browser login, registration, logout and the error flow, over real sockets.

A cookie-keeping httpx client plays the browser: it follows every 303 to a
reference-style UI (``tests/support/kratos_ui.py``) that reads the flow with
the browser's cookies and renders its form, and posts that form back. SPA
cases send ``Accept: application/json``; Ory's SDK drives the SPA login.
"""

from __future__ import annotations

import time

import httpx
from ory_kratos_client import ApiClient, Configuration
from ory_kratos_client.api.frontend_api import FrontendApi
from ory_kratos_client.exceptions import ApiException
from ory_kratos_client.models import (
    SuccessfulNativeLogin,
    UpdateLoginFlowBody,
    UpdateLoginFlowWithPasswordMethod,
)

from tests.identity.conftest import email
from tests.identity.http.conftest import PASSWORD, Site
from tests.support.kratos_ui import Page

JSON = {"Accept": "application/json"}


def _whoami(site: Site, b: httpx.Client) -> httpx.Response:
    return b.get(f"{site.public}/sessions/whoami", headers=JSON)


def _csrf_cookie(b: httpx.Client) -> str:
    return next(v for k, v in b.cookies.items() if k.startswith("csrf_token_"))


def test_form_login_sets_the_session_cookie_and_lands_on_the_return_url(site: Site) -> None:
    address, identity_id = site.identity()
    with site.browser() as b:
        page = Page(b.get(f"{site.public}/self-service/login/browser"))
        assert page.response.url.path == "/login" and page.flow_id
        first = b.get(f"{site.public}/self-service/login/browser", follow_redirects=False)
        assert first.status_code == 303
        assert first.headers["location"].startswith(f"{site.ui.url}/login?flow=")
        done = b.post(
            page.action,
            data=page.form("password", identifier=address, password=PASSWORD),
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"] == f"{site.ui.url}/welcome"
        cookie = done.headers["set-cookie"]
        assert cookie.startswith("ory_kratos_session=")
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain http here
        assert PASSWORD not in cookie
        me = _whoami(site, b)
        assert me.status_code == 200 and me.json()["identity"]["id"] == identity_id


def test_a_new_session_rotates_the_csrf_token(site: Site) -> None:
    address, _ = site.identity()
    with site.browser() as b:
        page = Page(b.get(f"{site.public}/self-service/login/browser"))
        before = _csrf_cookie(b)
        b.post(page.action, data=page.form("password", identifier=address, password=PASSWORD))
        assert _csrf_cookie(b) != before
        # a token masked from the old cookie no longer passes
        stale = page.form("password", identifier=address, password=PASSWORD)
        refresh = b.get(
            f"{site.public}/self-service/login/browser", params={"refresh": "true"}, headers=JSON
        ).json()
        r = b.post(refresh["ui"]["action"], data=stale, headers=JSON)
        assert r.status_code == 403 and r.json()["error"]["id"] == "security_csrf_violation"


def test_csrf_cookie_attributes_and_masked_tokens(site: Site) -> None:
    with site.browser() as b:
        r = b.get(f"{site.public}/self-service/login/browser", headers=JSON)
        assert r.status_code == 200
        set_cookie = r.headers["set-cookie"]
        assert set_cookie.startswith("csrf_token_") and "HttpOnly" in set_cookie
        assert "Max-Age=31536000" in set_cookie
        raw = _csrf_cookie(b)
        token = next(n for n in r.json()["ui"]["nodes"] if n["attributes"]["name"] == "csrf_token")
        masked = token["attributes"]["value"]
        assert masked != raw and len(masked) == 88
        again = b.get(f"{site.public}/self-service/login/browser", headers=JSON)
        assert "set-cookie" not in again.headers  # the cookie is kept, the mask changes
        other = next(
            n for n in again.json()["ui"]["nodes"] if n["attributes"]["name"] == "csrf_token"
        )
        assert other["attributes"]["value"] != masked


def test_spa_login_through_the_sdk(site: Site) -> None:
    address, identity_id = site.identity()
    api = FrontendApi(ApiClient(Configuration(host=site.public)))
    created = api.create_browser_login_flow_with_http_info()
    flow = created.data
    assert flow.type == "browser"
    cookie = created.headers["set-cookie"].split(";")[0]
    token = next(n for n in flow.ui.nodes if n.attributes.actual_instance.name == "csrf_token")
    csrf = token.attributes.actual_instance.value
    assert api.get_login_flow(id=flow.id, cookie=cookie).id == flow.id
    try:
        api.get_login_flow(id=flow.id)
        raise AssertionError("a browser flow's getter needs its CSRF cookie")
    except ApiException as exc:
        assert exc.status == 403 and "security_csrf_violation" in str(exc.body)
    body = UpdateLoginFlowBody(
        UpdateLoginFlowWithPasswordMethod(
            method="password", identifier=address, password=PASSWORD, csrf_token=csrf
        )
    )
    # the raw response: the SDK's header dict keeps one of the two Set-Cookie headers
    raw = api.update_login_flow_without_preload_content(
        flow=flow.id, update_login_flow_body=body, cookie=cookie
    )
    assert raw.status == 200
    done = SuccessfulNativeLogin.from_json(raw.data.decode())
    assert done is not None and done.session.identity.id == identity_id
    assert done.session_token is None  # browsers get the cookie, never the token
    cookies = [h.split(";")[0] for h in raw.headers.getlist("set-cookie")]
    session_cookie = next(c for c in cookies if c.startswith("ory_kratos_session="))
    assert any(c.startswith("csrf_token_") and c != cookie for c in cookies)  # rotated
    me = api.to_session(cookie=session_cookie)
    assert me.identity.id == identity_id


def test_spa_login_with_the_csrf_header(site: Site) -> None:
    address, _ = site.identity()
    with site.browser() as b:
        flow = b.get(f"{site.public}/self-service/login/browser", headers=JSON).json()
        token = next(
            n["attributes"]["value"]
            for n in flow["ui"]["nodes"]
            if n["attributes"]["name"] == "csrf_token"
        )
        r = b.post(
            flow["ui"]["action"],
            json={"method": "password", "identifier": address, "password": PASSWORD},
            headers={**JSON, "X-CSRF-Token": token},
        )
        assert r.status_code == 200, r.text
        assert "session_token" not in r.json() and r.json()["session"]["active"]


def test_missing_csrf_token_is_refused(site: Site) -> None:
    address, _ = site.identity()
    with site.browser() as b:
        flow = b.get(f"{site.public}/self-service/login/browser", headers=JSON).json()
        body = {"method": "password", "identifier": address, "password": PASSWORD}
        r = b.post(flow["ui"]["action"], json=body, headers=JSON)
        assert r.status_code == 403
        error = r.json()["error"]
        assert error["id"] == "security_csrf_violation"
        assert "reject_reason" in error["details"]
        # a form post goes to the error UI, which reads the stored error back
        page = Page(b.post(flow["ui"]["action"], data=body))
        assert page.response.url.path == "/error"
        assert page.error is not None and page.error["error"]["id"] == "security_csrf_violation"
        assert PASSWORD not in page.response.text
        assert _whoami(site, b).status_code == 401


def test_csrf_token_from_another_browser_is_refused(site: Site) -> None:
    address, _ = site.identity()
    with site.browser() as mine, site.browser() as theirs:
        page = Page(mine.get(f"{site.public}/self-service/login/browser"))
        stolen = Page(theirs.get(f"{site.public}/self-service/login/browser"))
        form = page.form("password", identifier=address, password=PASSWORD)
        form["csrf_token"] = stolen.form("password")["csrf_token"]
        r = mine.post(page.action, data=form, headers=JSON)
        assert r.status_code == 403 and r.json()["error"]["id"] == "security_csrf_violation"
        # nor may the other browser submit this browser's flow with its own cookie
        r = theirs.post(page.action, data=page.form("password", identifier=address), headers=JSON)
        assert r.status_code == 403
        assert _whoami(site, mine).status_code == 401


def test_invalid_credentials_go_back_to_the_form(site: Site) -> None:
    address, _ = site.identity()
    with site.browser() as b:
        page = Page(b.get(f"{site.public}/self-service/login/browser"))
        again = Page(
            b.post(
                page.action,
                data=page.form("password", identifier=address, password="wrong-password"),
            )
        )
        assert again.response.url.path == "/login" and again.flow_id == page.flow_id
        assert [m["id"] for m in again.messages] == [4000006]
        assert ("identifier", "text", address, "default") in again.fields


def test_open_redirect_through_return_to_is_refused(site: Site) -> None:
    with site.browser() as b:
        for evil in (
            "https://evil.example/",
            "//evil.example/x",
            f"{site.ui.url}@evil.example/",
            "http://127.0.0.1:1/",
        ):
            url = f"{site.public}/self-service/login/browser"
            r = b.get(url, params={"return_to": evil}, headers=JSON)
            assert r.status_code == 400, evil
            assert r.json()["error"]["id"] == "self_service_flow_return_to_forbidden"
            page = Page(b.get(url, params={"return_to": evil}))
            assert page.response.url.path == "/error"
            assert page.error is not None
            assert page.error["error"]["id"] == "self_service_flow_return_to_forbidden"


def test_allowed_return_to_is_where_login_lands(site: Site) -> None:
    address, _ = site.identity()
    target = f"{site.ui.url}/app/dashboard?tab=1"
    with site.browser() as b:
        page = Page(
            b.get(f"{site.public}/self-service/login/browser", params={"return_to": target})
        )
        landed = Page(
            b.post(page.action, data=page.form("password", identifier=address, password=PASSWORD))
        )
        assert str(landed.response.url) == target


def test_signed_in_browser_is_sent_on_and_spa_told(site: Site) -> None:
    address, _ = site.identity()
    with site.browser() as b:
        assert site.sign_in(b, address).landing == "/welcome"
        r = b.get(f"{site.public}/self-service/login/browser", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"{site.ui.url}/welcome"
        r = b.get(f"{site.public}/self-service/login/browser", headers=JSON)
        assert r.status_code == 400 and r.json()["error"]["id"] == "session_already_available"
        r = b.get(f"{site.public}/self-service/registration/browser", headers=JSON)
        assert r.status_code == 400 and r.json()["error"]["id"] == "session_already_available"


def test_refresh_re_authenticates_the_same_session(site: Site) -> None:
    address, _ = site.identity()
    with site.browser() as b:
        site.sign_in(b, address)
        before = _whoami(site, b).json()
        time.sleep(1.1)
        page = Page(b.get(f"{site.public}/self-service/login/browser", params={"refresh": "true"}))
        assert [m["id"] for m in page.messages] == [1010003]
        Page(b.post(page.action, data=page.form("password", identifier=address, password=PASSWORD)))
        after = _whoami(site, b).json()
        assert after["id"] == before["id"]
        assert after["authenticated_at"] > before["authenticated_at"]
        assert len(after["authentication_methods"]) == 2


def test_tampered_session_cookie_is_no_session(site: Site) -> None:
    address, _ = site.identity()
    with site.browser() as b:
        site.sign_in(b, address)
        value = b.cookies["ory_kratos_session"]
        flipped = value[:20] + ("A" if value[20] != "A" else "B") + value[21:]
        b.cookies.set("ory_kratos_session", flipped, domain="127.0.0.1")
        r = httpx.get(
            f"{site.public}/sessions/whoami", headers={"Cookie": f"ory_kratos_session={flipped}"}
        )
        assert r.status_code == 401
        r = httpx.get(
            f"{site.public}/sessions/whoami", headers={"Cookie": f"ory_kratos_session={value}"}
        )
        assert r.status_code == 200


def test_a_remembered_cookie_still_meets_the_session_checks(site: Site) -> None:
    """The opened cookie is remembered, the session behind it is checked every time."""
    address, identity_id = site.identity()
    with site.browser() as b:
        site.sign_in(b, address)
        cookie = {"Cookie": f"ory_kratos_session={b.cookies['ory_kratos_session']}"}
        for _ in range(2):
            me = httpx.get(f"{site.public}/sessions/whoami", headers=cookie)
            assert me.status_code == 200
        for state, status in (("inactive", 401), ("active", 200)):
            ident = httpx.get(f"{site.admin}/admin/identities/{identity_id}").json()
            put = {"schema_id": ident["schema_id"], "traits": ident["traits"], "state": state}
            httpx.put(f"{site.admin}/admin/identities/{identity_id}", json=put).raise_for_status()
            assert httpx.get(f"{site.public}/sessions/whoami", headers=cookie).status_code == status
        revoked = httpx.delete(f"{site.admin}/admin/sessions/{me.json()['id']}")
        assert revoked.status_code == 204
        assert httpx.get(f"{site.public}/sessions/whoami", headers=cookie).status_code == 401


def test_browser_registration_two_screens_then_signed_in(site: Site) -> None:
    address = email()
    with site.browser() as b:
        page = Page(b.get(f"{site.public}/self-service/registration/browser"))
        assert page.response.url.path == "/registration"
        traits = {"traits.email": address, "traits.name.first": "A", "traits.name.last": "B"}
        second = Page(b.post(page.action, data=page.form("profile", **traits)))
        assert second.flow_id == page.flow_id
        assert any(name == "password" for name, *_ in second.fields)
        landed = Page(b.post(second.action, data=second.form("password", password=PASSWORD)))
        assert landed.landing == "/welcome"
        me = _whoami(site, b)
        assert me.status_code == 200 and me.json()["identity"]["traits"]["email"] == address


def test_logout_with_the_logout_url(site: Site) -> None:
    address, _ = site.identity()
    with site.browser() as b:
        site.sign_in(b, address)
        r = b.get(f"{site.public}/self-service/logout/browser", headers=JSON)
        assert r.status_code == 200
        token, url = r.json()["logout_token"], r.json()["logout_url"]
        assert token.startswith("ory_lo_") and url.endswith(f"token={token}")
        wrong = b.get(
            f"{site.public}/self-service/logout", params={"token": "ory_lo_x"}, headers=JSON
        )
        assert wrong.status_code == 403
        assert _whoami(site, b).status_code == 200
        out = b.get(url, follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == f"{site.ui.url}/welcome"
        assert "ory_kratos_session=" in out.headers["set-cookie"]
        assert _whoami(site, b).status_code == 401
        with_return = b.get(f"{site.public}/self-service/logout/browser", headers=JSON)
        assert with_return.status_code == 401


def test_logout_return_to_is_checked(site: Site) -> None:
    address, _ = site.identity()
    with site.browser() as b:
        site.sign_in(b, address)
        r = b.get(
            f"{site.public}/self-service/logout/browser",
            params={"return_to": "https://evil.example/"},
            headers=JSON,
        )
        assert r.status_code == 400
        target = f"{site.ui.url}/app/bye"
        r = b.get(
            f"{site.public}/self-service/logout/browser",
            params={"return_to": target},
            headers=JSON,
        )
        landed = b.get(r.json()["logout_url"])
        assert str(landed.url) == target


def test_expired_browser_flow(brief: Site) -> None:
    address, _ = brief.identity()
    with brief.browser() as b:
        page = Page(b.get(f"{brief.public}/self-service/login/browser"))
        time.sleep(2.5)
        form = page.form("password", identifier=address, password=PASSWORD)
        r = b.post(page.action, data=form, headers=JSON)
        assert r.status_code == 410
        fresh = r.json()["use_flow_id"]
        assert r.json()["error"]["id"] == "self_service_flow_expired"
        # a form post is sent to the UI with a successor flow carrying the "expired" message
        moved = Page(b.post(page.action, data=form))
        assert moved.response.url.path == "/login" and moved.flow_id not in (page.flow_id, fresh)
        assert [m["id"] for m in moved.messages] == [4010001]
        getter = b.get(f"{brief.public}/self-service/login/flows", params={"id": page.flow_id})
        assert getter.status_code == 410
        assert getter.json()["error"]["details"]["redirect_to"].endswith("/login/browser")


def test_api_flows_are_untouched_by_the_browser_layer(site: Site) -> None:
    flow = httpx.get(f"{site.public}/self-service/login/api").json()
    assert flow["type"] == "api"
    r = httpx.post(
        flow["ui"]["action"], json={"method": "password", "identifier": "x@y.z", "password": "p"}
    )
    assert r.status_code == 400 and r.json()["ui"]["messages"][0]["id"] == 4000006
    unknown = httpx.get(f"{site.public}/self-service/errors", params={"id": flow["id"]})
    assert unknown.status_code == 404
