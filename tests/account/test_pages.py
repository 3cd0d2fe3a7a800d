"""The account pages over HTTP, without a browser, on SQLite and PostgreSQL.

The same one-process stack as the browser test, with an operator theme folder.
A user signs in with forms read off the pages (``bench.login.user``); the consent
and logout forms refuse a wrong or missing CSRF token without deciding anything;
unknown challenges, oversized bodies and unknown paths are HTML error pages with
the right status, never a 500; the operator's templates and CSS win over ours.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench.login.user import form, query, sign_in, submit

from tests.account.stack import PASSWORD, Stack, start_stack
from tests.conftest import BACKENDS, new_dsn, postgres_admin_dsn

THEME_CSS = "/* operator theme */ body { background: #fff; }"


@pytest.fixture(scope="module", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    if request.param == "postgres":
        postgres_admin_dsn()
    tmp = tmp_path_factory.mktemp(f"pages-{request.param}-{uuid.uuid4().hex[:6]}")
    theme = tmp / "theme"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "static" / "style.css").write_text(THEME_CSS)
    (theme / "templates" / "error.html").write_text(
        '{% extends "base.html" %}{% block content %}<p id="operator">Operator error page: '
        "{{ (error or {}).get('reason') or (error or {}).get('message') }}</p>{% endblock %}"
    )
    dsns = {k: new_dsn(request.param, tmp) for k in ("identity", "oauth2")}
    s = start_stack(tmp, dsns, {"theme_dir": str(theme)})
    yield s
    s.stop()


def _identity(stack: Stack) -> str:
    address = f"pages-{uuid.uuid4().hex[:8]}@example.com"
    r = httpx.post(
        f"{stack.identity_admin}/admin/identities",
        json={
            "schema_id": "default",
            "traits": {"email": address},
            "credentials": {"password": {"config": {"password": PASSWORD}}},
        },
    )
    assert r.status_code == 201, r.text
    return address


def _client(stack: Stack) -> tuple[dict[str, Any], str]:
    client = stack.create_client(
        client_name="Pages App",
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        scope="openid email",
        redirect_uris=[f"{stack.urls.account}/callback"],
    )
    url = httpx.URL(
        f"{stack.urls.oauth2_public}/oauth2/auth",
        params={
            "client_id": client["client_id"],
            "response_type": "code",
            "scope": "openid email",
            "redirect_uri": f"{stack.urls.account}/callback",
            "state": uuid.uuid4().hex,
        },
    )
    return client, str(url)


async def _consent_page(stack: Stack, b: httpx.AsyncClient) -> httpx.Response:
    """A fresh client's consent page (signing in first unless the login is remembered)."""
    _, url = _client(stack)
    page = await b.get(url)
    if page.url.path == "/login":
        f = form(page, "flow-password")
        page = await submit(b, f, identifier=_identity(stack), password=PASSWORD)
    assert page.url.path == "/oauth2/consent", page.url
    return page


def _browser() -> httpx.AsyncClient:
    return httpx.AsyncClient(follow_redirects=True, timeout=20)


async def test_sign_in_over_http_and_deny(stack: Stack) -> None:
    async with _browser() as b:
        _, url = _client(stack)
        done = await sign_in(b, url, _identity(stack), PASSWORD)
        assert done.url.path == "/callback" and "code" in query(done.url), done.url
        assert "Signed in with Roost" in done.text
        # the login page names the application; deny ends the authorization for the RP
        page = await _consent_page(stack, b)
        assert "Pages App" in page.text
        denied = await submit(b, form(page, "consent"), "decision=deny")
        assert query(denied.url)["error"] == "access_denied"
        assert "did not finish" in denied.text


async def test_consent_refuses_a_forged_post_and_decides_nothing(stack: Stack) -> None:
    async with _browser() as b:
        page = await _consent_page(stack, b)
        f = form(page, "consent")
        challenge = f.fields["consent_challenge"]
        for token in ("", "forged-token"):
            r = await b.post(f.action, data={**f.fields, "csrf_token": token, "decision": "allow"})
            assert r.status_code == 403 and 'id="operator"' in r.text
        # another browser (no CSRF cookie) posting the right token is refused too
        async with _browser() as other:
            r = await other.post(f.action, data={**f.fields, "decision": "allow"})
            assert r.status_code == 403
        async with httpx.AsyncClient() as admin:
            pending = await admin.get(
                f"{stack.urls.oauth2_admin}/admin/oauth2/auth/requests/consent",
                params={"consent_challenge": challenge},
            )
        assert pending.status_code == 200 and pending.json().get("handled_at") in (None, "")
        done = await submit(b, f, "decision=allow")
        assert done.url.path == "/callback"


@pytest.mark.parametrize(
    "path",
    [
        "/oauth2/consent?consent_challenge=not-a-challenge",
        "/oauth2/consent",
        "/oauth2/logout?logout_challenge=nope",
        "/login?flow=00000000-0000-0000-0000-000000000000",
        "/error?id=not-an-id",
        "/no-such-page",
        "/static/..%2Fpages.py",
    ],
)
async def test_bad_input_is_an_html_page_never_a_500(stack: Stack, path: str) -> None:
    async with _browser() as b:
        r = await b.get(f"{stack.urls.account}{path}")
    assert r.status_code < 500, (path, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith(("text/html", "text/plain"))
    assert "Traceback" not in r.text


async def test_oversized_and_odd_posts(stack: Stack) -> None:
    async with _browser() as b:
        r = await b.post(f"{stack.urls.account}/oauth2/consent", content=b"a=" + b"x" * 20_000)
        assert r.status_code == 413 and "text/html" in r.headers["content-type"]
        r = await b.post(
            f"{stack.urls.account}/oauth2/consent",
            content=b"\xff\xfe=\x00",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == 403
        r = await b.delete(f"{stack.urls.account}/oauth2/consent")
        assert r.status_code == 405


async def test_operator_theme_wins_and_our_pages_stay_accessible(stack: Stack) -> None:
    async with _browser() as b:
        css = await b.get(f"{stack.urls.account}/static/style.css")
        assert css.text == THEME_CSS
        js = await b.get(f"{stack.urls.account}/static/webauthn.js")  # ours, not overridden
        assert js.status_code == 200 and "navigator.credentials" in js.text
        page = await b.get(f"{stack.urls.account}/login")
    assert page.url.path == "/login" and page.status_code == 200
    html = page.text
    # every visible input has a label bound to it
    f = form(page, "flow-password")
    assert set(f.fields) >= {"csrf_token", "identifier", "password"}
    ids = _ids_of_visible_inputs(html)
    assert len(ids) >= 2
    for dom_id in ids:
        assert f'<label for="{dom_id}">' in html, dom_id
    assert '<html lang="en">' in html and 'href="#main"' in html


def _ids_of_visible_inputs(html: str) -> list[str]:
    """Hidden inputs carry no id; every other input does, for its label."""
    import re

    return re.findall(r'<input id="([^"]+)"', html)


def test_pages_use_no_script_but_webauthn() -> None:
    """Without JavaScript every form still posts: no inline script, only our one file."""
    from roost.account.pages import _STATIC

    scripts = sorted(p.name for p in _STATIC.glob("*.js"))
    assert scripts == ["webauthn.js"]
    templates = Path(_STATIC.parent / "templates")
    for t in templates.glob("*.html"):
        text = t.read_text()
        assert "onclick=" not in text and "<script>" not in text, t.name


async def test_backup_codes_shown_confirmed_and_used_as_the_second_factor(stack: Stack) -> None:
    import re

    address = _identity(stack)
    ui = stack.urls.account
    async with _browser() as b:
        page = await b.get(f"{ui}/login")
        page = await submit(b, form(page, "flow-password"), identifier=address, password=PASSWORD)
        assert page.url == httpx.URL(f"{ui}/") and address in page.text
        settings = await b.get(f"{ui}/settings")
        shown = await submit(
            b, form(settings, "flow-lookup_secret"), "lookup_secret_regenerate=true"
        )
        codes = re.findall(r'<ul class="codes">(.*?)</ul>', shown.text, flags=re.S)
        assert codes, shown.text
        found = re.findall(r"<code>([^<]+)</code>", codes[0])
        assert len(found) >= 8
        saved = await submit(b, form(shown, "flow-lookup_secret"), "lookup_secret_confirm=true")
        assert 'data-id="1050001"' in saved.text, saved.text
    async with _browser() as b:
        page = await b.get(f"{ui}/login")
        step = await submit(b, form(page, "flow-password"), identifier=address, password=PASSWORD)
        assert step.url.path == "/login" and "Confirm it is you" in step.text
        home = await submit(b, form(step, "flow-lookup_secret"), lookup_secret=found[0].strip())
        assert home.url == httpx.URL(f"{ui}/") and "You are signed in as" in home.text


async def test_sign_in_with_a_code_by_e_mail(stack: Stack) -> None:
    address = _identity(stack)
    ui = stack.urls.account
    async with _browser() as b:
        page = await b.get(f"{ui}/login")
        sent = await submit(b, form(page, "flow-code"), "method=code", identifier=address)
        assert sent.url.path == "/login" and 'data-id="1010014"' in sent.text, sent.text
        code = await asyncio.to_thread(stack.mail_code, address, 1)
        home = await submit(b, form(sent, "flow-code"), "method=code", code=code)
        assert home.url == httpx.URL(f"{ui}/") and "You are signed in as" in home.text


@pytest.fixture(scope="module", params=BACKENDS)
def mfa_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The stack with the mailed code as a second factor (decision 0035) and a schema whose
    ``backup`` trait is a second code address."""
    import copy
    import json

    from tests.identity.http.conftest import QUICKSTART_SCHEMA

    if request.param == "postgres":
        postgres_admin_dsn()
    tmp = tmp_path_factory.mktemp(f"pages-mfa-{request.param}-{uuid.uuid4().hex[:6]}")
    doc = copy.deepcopy(QUICKSTART_SCHEMA)
    code = {"credentials": {"code": {"identifier": True, "via": "email"}}}
    doc["properties"]["traits"]["properties"]["backup"] = {"type": "string", "ory.sh/kratos": code}
    schema = tmp / "mfa.schema.json"
    schema.write_text(json.dumps(doc))
    identity = {
        "identity": {"schemas": [{"id": "default", "url": f"file://{schema}"}]},
        "selfservice": {"methods": {"code": {"passwordless_enabled": False, "mfa_enabled": True}}},
    }
    dsns = {k: new_dsn(request.param, tmp) for k in ("identity", "oauth2")}
    s = start_stack(tmp, dsns, identity_extra=identity)
    yield s
    s.stop()


async def test_second_factor_code_pages(mfa_stack: Stack) -> None:
    stack = mfa_stack
    address = f"pages-{uuid.uuid4().hex[:8]}@example.com"
    backup = f"backup-{uuid.uuid4().hex[:8]}@example.com"
    async with _browser() as b:
        r = await b.post(
            f"{stack.identity_admin}/admin/identities",
            json={
                "schema_id": "default",
                "traits": {"email": address, "backup": backup},
                "credentials": {"password": {"config": {"password": PASSWORD}}},
            },
        )
        assert r.status_code == 201, r.text
        page = await b.get(f"{stack.urls.account}/login")
        page = await submit(b, form(page, "flow-password"), identifier=address, password=PASSWORD)
        # the second step: one "send a code" button per address, in the code form
        assert page.url.path == "/login" and "Confirm it is you" in page.text, page.text[:800]
        assert f"Send a code to {backup}" in page.text and f"Send a code to {address}" in page.text
        choose = form(page, "flow-code")
        assert "csrf_token" in choose.fields and choose.buttons == {"address": address}
        page = await submit(b, choose, f"address={backup}")
        assert page.status_code == 200 and "A code has been sent to your address" in page.text
        sent = form(page, "flow-code")
        assert {"identifier", "method", "code", "csrf_token"} <= set(sent.fields)
        wrong = await submit(b, sent, "method=code", code="000000")
        assert "That code is not right" in wrong.text or stack.mail_code(backup, 1) == "000000"
        done = await submit(
            b, form(wrong, "flow-code"), "method=code", code=stack.mail_code(backup, 1)
        )
        assert done.status_code == 200 and done.url.path != "/login", done.url
        me = await b.get(
            f"{stack.urls.identity_public}/sessions/whoami", headers={"Accept": "application/json"}
        )
        assert me.status_code == 200 and me.json()["authenticator_assurance_level"] == "aal2"


# --- "keep me signed in" (decision 0036) ------------------------------------------------------


def _session_cookie(r: httpx.Response) -> dict[str, str]:
    """The attributes of the last session cookie set on the way to ``r``."""
    found: dict[str, str] | None = None
    for step in [*r.history, r]:
        for header in step.headers.get_list("set-cookie"):
            if header.startswith("ory_kratos_session="):
                parts = [p.strip() for p in header.split(";")]
                found = {k.lower(): v for k, _, v in (p.partition("=") for p in parts[1:])}
    assert found is not None, f"no session cookie on the way to {r.url}"
    return found


def _persistent(r: httpx.Response) -> bool:
    cookie = _session_cookie(r)
    return "max-age" in cookie or "expires" in cookie


async def _next_login_skips(stack: Stack, b: httpx.AsyncClient) -> tuple[bool, httpx.Response]:
    """Another authorization in the same browser: Hydra's ``skip``, and where it lands."""
    _, url = _client(stack)
    r = await b.get(url, follow_redirects=False)
    while "login_challenge=" not in r.headers.get("location", ""):
        r = await b.get(r.headers["location"], follow_redirects=False)
    challenge = query(r.headers["location"])["login_challenge"]
    async with httpx.AsyncClient() as admin:
        req = await admin.get(
            f"{stack.urls.oauth2_admin}/admin/oauth2/auth/requests/login",
            params={"login_challenge": challenge},
        )
    return bool(req.json()["skip"]), await b.get(r.headers["location"])


async def _finish(stack: Stack, b: httpx.AsyncClient, page: httpx.Response, remember: bool) -> None:
    """From the consent page to the callback, then Hydra's verdict on the next login."""
    assert page.url.path == "/oauth2/consent", page.url
    assert _persistent(page) is remember
    done = await submit(b, form(page, "consent"), "decision=allow")
    assert done.url.path == "/callback"
    skip, landed = await _next_login_skips(stack, b)
    assert skip is remember
    # remembered: straight to consent; not: the login page again, offering the box again
    assert landed.url.path == ("/oauth2/consent" if remember else "/login"), landed.url
    if not remember:
        assert 'id="password-remember"' in landed.text


async def test_keep_me_signed_in_is_offered_bound_and_checked_by_default(stack: Stack) -> None:
    async with _browser() as b:
        page = await b.get(f"{stack.urls.account}/login")
    html = page.text
    for group in ("password", "code", "passkey"):
        box = f'<input type="checkbox" id="{group}-remember" name="remember" value="true" checked>'
        assert box in html and f'<label for="{group}-remember">' in html, group
    # the box sits before the form's button, so Tab reaches it before sending
    assert html.index('id="password-remember"') < html.index('value="password"')
    assert form(page, "flow-password").fields["remember"] == "true"


@pytest.mark.parametrize("remember", [True, False], ids=["checked", "unchecked"])
async def test_keep_me_signed_in_with_a_password(stack: Stack, remember: bool) -> None:
    async with _browser() as b:
        _, url = _client(stack)
        page = await b.get(url)
        f = form(page, "flow-password")
        values = {"identifier": _identity(stack), "password": PASSWORD}
        page = await submit(b, f, remember=str(remember).lower(), **values)
        await _finish(stack, b, page, remember)


@pytest.mark.parametrize("remember", [True, False], ids=["checked", "unchecked"])
async def test_keep_me_signed_in_with_a_code(stack: Stack, remember: bool) -> None:
    """The choice is posted with "send code" and kept by the flow for the code's submit."""
    address = _identity(stack)
    async with _browser() as b:
        _, url = _client(stack)
        page = await b.get(url)
        sent = await submit(
            b,
            form(page, "flow-code"),
            "method=code",
            identifier=address,
            remember=str(remember).lower(),
        )
        assert 'data-id="1010014"' in sent.text and 'name="remember"' not in sent.text
        code = await asyncio.to_thread(stack.mail_code, address, 1)
        page = await submit(b, form(sent, "flow-code"), "method=code", code=code)
        await _finish(stack, b, page, remember)


async def test_keep_me_signed_in_across_the_totp_step(stack: Stack) -> None:
    """Unchecked on the first step; the TOTP step shows no box and keeps the choice."""
    import re

    import pyotp

    address = _identity(stack)
    ui = stack.urls.account
    async with _browser() as b:
        page = await b.get(f"{ui}/login")
        await submit(b, form(page, "flow-password"), identifier=address, password=PASSWORD)
        settings = await b.get(f"{ui}/settings")
        secret = re.findall(r'id="totp-totp_secret_key-\d+">([A-Z2-7]+)<', settings.text)
        assert secret, settings.text
        totp = pyotp.TOTP(secret[0])
        linked = await submit(b, form(settings, "flow-totp"), totp_code=totp.now())
        assert 'data-id="1050001"' in linked.text, linked.text
    async with _browser() as b:
        _, url = _client(stack)
        page = await b.get(url)
        f = form(page, "flow-password")
        step = await submit(b, f, identifier=address, password=PASSWORD, remember="false")
        assert step.url.path == "/login" and "Confirm it is you" in step.text
        assert 'name="remember"' not in step.text and not _persistent(step)
        at = time.time() + 30  # the next step: the linking spent this one
        page = await submit(b, form(step, "flow-totp"), totp_code=totp.at(at))
        await _finish(stack, b, page, False)
