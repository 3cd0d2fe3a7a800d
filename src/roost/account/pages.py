"""The account pages: Kratos flows rendered from their UI nodes, Hydra's login/consent/logout.

Every page is server-rendered and works without JavaScript (WebAuthn aside).
Forms of a flow post straight to the identity API (``ui.action``), as
Kratos's reference UI does, so the identity service's own CSRF protection
guards them; only the consent and logout forms post here, and those carry a
double-submit CSRF token of ours compared in constant time.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from roost.account import catalogue
from roost.account.clients import IdentityPublic, OAuth2Admin, RemoteError
from roost.account.nodes import forms
from roost.core.http.bodies import read_body
from roost.core.http.routing import route

KINDS = ("login", "registration", "settings", "recovery", "verification")
CSRF_COOKIE = "roost_account_csrf"
_STATIC = Path(__file__).parent / "static"
_ASSET = re.compile(r"^[a-z0-9_-]+\.(css|js|png|svg)$")
_PASSED_ON = ("return_to", "login_challenge", "refresh", "aal", "via")
"""Query parameters a page hands on when it starts a flow at the identity service."""
Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Site:
    """What the pages need: the two remote APIs, templates, and where things live."""

    identity: IdentityPublic
    oauth2: OAuth2Admin
    identity_browser: str
    base_url: str
    theme_dir: Path | None
    language: str
    remember_me: bool = True
    """The initial state of the login page's "keep me signed in" box."""

    def env(self) -> Environment:
        """Templates: the operator's ``theme_dir/templates`` first, then ours."""
        loaders: list[Any] = [PackageLoader("roost.account", "templates")]
        if self.theme_dir is not None:
            loaders.insert(0, FileSystemLoader(self.theme_dir / "templates"))
        env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["t"] = lambda m: catalogue.text(m, self.language)
        env.filters["humane"] = catalogue.humane
        env.filters["link"] = catalogue.web_url
        env.filters["image"] = lambda u: catalogue.web_url(u, image=True)
        env.globals["words"] = catalogue.words(self.language)
        return env

    def start(self, kind: str, params: dict[str, str]) -> str:
        """The identity service's browser endpoint that starts a ``kind`` flow."""
        url = f"{self.identity_browser}/self-service/{kind}/browser"
        return f"{url}?{urlencode(params)}" if params else url


class _Pages:
    """Rendering shared by every handler."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.env = site.env()

    def render(self, name: str, status: int = 200, **ctx: Any) -> Response:
        html = self.env.get_template(name).render(
            base=self.site.base_url, lang=self.site.language, **ctx
        )
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    def error(self, status: int, body: dict[str, Any]) -> Response:
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        return self.render("error.html", status if status >= 400 else 500, error=inner)

    def with_csrf(self, name: str, request: Request, **ctx: Any) -> Response:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        response = self.render(name, csrf=token, **ctx)
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax", path="/")
        return response


_FORM_LIMIT = 16 * 1024
"""The consent and logout forms are a few short fields."""


async def _form(request: Request) -> dict[str, str]:
    """The posted ``application/x-www-form-urlencoded`` fields (first value of each)."""
    body = await read_body(request, _FORM_LIMIT)
    fields: dict[str, str] = {}
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(key, value)
    return fields


def _csrf_ok(request: Request, sent: str) -> bool:
    kept = request.cookies.get(CSRF_COOKIE, "")
    return bool(kept) and hmac.compare_digest(kept.encode(), sent.encode())


_CSRF_ERROR = {
    "code": 403,
    "status": "Forbidden",
    "reason": "The form's anti-forgery token is missing or wrong; reload the page and try again.",
}


def _cookie(request: Request) -> str:
    return request.headers.get("cookie", "")


def _flow_page(pages: _Pages, kind: str) -> Handler:
    site = pages.site

    async def handle(request: Request) -> Response:
        q = request.query_params
        flow_id = q.get("flow")
        if not flow_id:
            return RedirectResponse(site.start(kind, {k: q[k] for k in _PASSED_ON if k in q}), 303)
        try:
            flow = await site.identity.flow(kind, flow_id, _cookie(request))
        except RemoteError as exc:
            if exc.status in (404, 410):  # unknown or expired: a fresh flow, as Kratos's UI
                return RedirectResponse(site.start(kind, {}), 303)
            step_up = _redirect_browser_to(exc.body)
            if step_up:  # e.g. session_aal2_required: the second factor first
                return RedirectResponse(step_up, 303)
            return pages.error(exc.status, exc.body)
        ui = flow.get("ui") or {}
        client = await _login_client(site, flow) if kind == "login" else None
        return pages.render(
            f"{kind}.html",
            flow=flow,
            ui=ui,
            forms=forms(ui.get("nodes") or []),
            client=client,
            remember_me=site.remember_me,
        )

    return handle


def _redirect_browser_to(body: dict[str, Any]) -> str | None:
    """Where an identity error sends the browser (Kratos's ``redirect_browser_to``),
    if it is an http(s) URL; the identity service is the only source of it."""
    url = body.get("redirect_browser_to")
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        return url
    return None


async def _login_client(site: Site, flow: dict[str, Any]) -> dict[str, Any] | None:
    """The OAuth2 client a sign-in is for, to name it on the page (None if unknown)."""
    challenge = flow.get("oauth2_login_challenge")
    if not isinstance(challenge, str) or not challenge:
        return None
    try:
        client = (await site.oauth2.request("login", challenge)).get("client")
    except RemoteError:
        return None
    return client if isinstance(client, dict) else None


def _account_pages(pages: _Pages) -> list[BaseRoute]:
    site = pages.site

    async def error(request: Request) -> Response:
        body: dict[str, Any] = {}
        error_id = request.query_params.get("id", "")
        if error_id:
            try:
                body = (await site.identity.error(error_id)).get("error") or {}
            except RemoteError:
                body = {}
        return pages.render("error.html", error=body)

    async def home(request: Request) -> Response:
        session = await site.identity.whoami(_cookie(request))
        return pages.render("home.html", session=session)

    async def logout(request: Request) -> Response:
        url = await site.identity.logout_url(_cookie(request), "")
        if url is None:
            return RedirectResponse(f"{site.base_url}/login", 303)
        return pages.render("logout.html", logout_url=url)

    async def callback(request: Request) -> Response:
        q = request.query_params
        return pages.render(
            "callback.html", code=bool(q.get("code")), error=q.get("error_description")
        )

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if not _ASSET.match(name):
            return Response(status_code=404)
        for folder in ([site.theme_dir / "static"] if site.theme_dir else []) + [_STATIC]:
            path = folder / name
            if path.is_file():
                return FileResponse(path, headers={"Cache-Control": "public, max-age=300"})
        return Response(status_code=404)

    return [
        route("/", GET=home),
        *[route(f"/{kind}", GET=_flow_page(pages, kind)) for kind in KINDS],
        route("/error", GET=error),
        route("/logout", GET=logout),
        route("/callback", GET=callback),
        route("/static/{name}", GET=static),
    ]


def _oauth2_pages(pages: _Pages) -> list[BaseRoute]:
    """Hydra's ``urls.login``, ``urls.consent`` and ``urls.logout``."""
    site = pages.site

    async def login(request: Request) -> Response:
        # the identity service's login flow takes the challenge itself (Kratos's way)
        challenge = request.query_params.get("login_challenge", "")
        params = {"login_challenge": challenge} if challenge else {}
        return RedirectResponse(site.start("login", params), 303)

    async def consent(request: Request) -> Response:
        challenge = request.query_params.get("consent_challenge", "")
        try:
            req = await site.oauth2.request("consent", challenge)
            if req.get("skip"):  # remembered: Hydra says not to ask again
                return RedirectResponse(await _grant(site, request, req, remember=False), 303)
        except RemoteError as exc:
            return pages.error(exc.status, exc.body)
        return pages.with_csrf("consent.html", request, req=req, challenge=challenge)

    async def consent_submit(request: Request) -> Response:
        form = await _form(request)
        if not _csrf_ok(request, str(form.get("csrf_token", ""))):
            return pages.error(403, _CSRF_ERROR)
        challenge = str(form.get("consent_challenge", ""))
        try:
            req = await site.oauth2.request("consent", challenge)
            if form.get("decision") != "allow":
                body = {"error": "access_denied", "error_description": "The user said no."}
                target = await site.oauth2.decide("consent", "reject", challenge, body)
            else:
                remember = form.get("remember") == "true"
                target = await _grant(site, request, req, remember=remember)
        except RemoteError as exc:
            return pages.error(exc.status, exc.body)
        return RedirectResponse(target, 303)

    async def logout(request: Request) -> Response:
        challenge = request.query_params.get("logout_challenge", "")
        try:
            req = await site.oauth2.request("logout", challenge)
        except RemoteError as exc:
            return pages.error(exc.status, exc.body)
        return pages.with_csrf("oauth2_logout.html", request, req=req, challenge=challenge)

    async def logout_submit(request: Request) -> Response:
        form = await _form(request)
        if not _csrf_ok(request, str(form.get("csrf_token", ""))):
            return pages.error(403, _CSRF_ERROR)
        challenge = str(form.get("logout_challenge", ""))
        verdict = "accept" if form.get("decision") == "yes" else "reject"
        try:
            target = await site.oauth2.decide("logout", verdict, challenge, {})
        except RemoteError as exc:
            return pages.error(exc.status, exc.body)
        if verdict == "reject":
            return RedirectResponse(f"{site.base_url}/", 303)
        # end the identity session too, then land where the OAuth2 server says
        url = await site.identity.logout_url(_cookie(request), target)
        return RedirectResponse(url or target, 303)

    return [
        route("/oauth2/login", GET=login),
        route("/oauth2/consent", GET=consent, POST=consent_submit),
        route("/oauth2/logout", GET=logout, POST=logout_submit),
    ]


def routes(site: Site) -> list[BaseRoute]:
    """Every page of the account UI."""
    pages = _Pages(site)
    return [*_account_pages(pages), *_oauth2_pages(pages)]


async def _grant(site: Site, request: Request, req: dict[str, Any], *, remember: bool) -> str:
    """Accept the consent with what was asked; the ID token carries the e-mail if granted."""
    scopes = [s for s in req.get("requested_scope") or [] if isinstance(s, str)]
    claims: dict[str, Any] = {}
    if "email" in scopes:
        claims = _email_claims(await site.identity.whoami(_cookie(request)))
    body = {
        "grant_scope": scopes,
        "grant_access_token_audience": list(req.get("requested_access_token_audience") or []),
        "remember": remember,
        "remember_for": 0,
        "session": {"id_token": claims},
    }
    return await site.oauth2.decide("consent", "accept", str(req.get("challenge", "")), body)


def _email_claims(session: dict[str, Any] | None) -> dict[str, Any]:
    identity = (session or {}).get("identity") or {}
    address = (identity.get("traits") or {}).get("email")
    if not isinstance(address, str):
        return {}
    verified = any(
        a.get("value") == address and a.get("verified")
        for a in identity.get("verifiable_addresses") or []
    )
    return {"email": address, "email_verified": verified}
