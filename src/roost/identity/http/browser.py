"""The browser layer every browser flow shares (decision 0022).

- **Cookies.** The anti-CSRF cookie ``csrf_token_<sha256(public URL)>``
  (raw token, HttpOnly, a year, ``cookies.domain/path/same_site``) is set
  by every browser init that finds none; the session cookie
  (``session.cookie.*``) holds the session token as a Fernet token under
  ``secrets.cookie`` (AES-CBC + HMAC-SHA256 from ``cryptography``), so a
  tampered cookie is simply no session. Both are Secure when the public URL
  is ``https``; ``SameSite=None`` without Secure falls back to Lax, as
  Kratos's.
- **Negotiation** (``x/isjsonrequest.go``): a request is a JSON (SPA) one
  when its ``Content-Type`` is JSON or its ``Accept`` prefers JSON to HTML;
  otherwise it is a form post that is answered with 303 redirects.
- **Errors** (``selfservice/flow/error.go``, ``errorx``): a form post's
  error goes to the UI: a form error to ``<ui_url>?flow=<id>``, an expired
  flow to the successor flow, ``session_already_available`` to the return
  URL, no session to the browser login, ``session_refresh_required`` and
  ``browser_location_change_required`` to their ``redirect_browser_to``;
  anything else is stored and redirected to the error UI. JSON requests
  get the error itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from roost.core.errors import RoostError
from roost.core.http import JSON
from roost.identity.browser_config import CookieConfig
from roost.identity.http import errors as rendering
from roost.identity.http.common import service
from roost.identity.http.sessions import cookie_payload, device_of, remember_of, token_of
from roost.identity.http.submission import browser_signal, flow_id, for_hooks, read_submission
from roost.identity.selfservice import csrf
from roost.identity.selfservice.flow import Flow
from roost.identity.selfservice.flows import FormError, Start, Submission
from roost.identity.selfservice.return_to import ReturnTo
from roost.identity.service import IdentityService
from roost.identity.sessions import aal
from roost.identity.sessions.model import Session
from roost.identity.validation import check_query

Handler = Callable[[Request], Awaitable[Response]]


def wants_json(request: Request) -> bool:
    """Kratos's ``IsJSONRequest``: a JSON body, or an ``Accept`` preferring JSON to HTML."""
    if "json" in request.headers.get("content-type", "").lower():
        return True
    accept = request.headers.get("accept", "").lower()
    if "application/json" not in accept:
        return False
    html = accept.find("text/html")
    return html < 0 or accept.find("application/json") < html


def _secure(svc: IdentityService) -> bool:
    return svc.public_url.lower().startswith("https://")


def _set_cookie(
    response: Response,
    svc: IdentityService,
    cfg: CookieConfig,
    name: str,
    value: str,
    max_age: int | None,
) -> None:
    secure = _secure(svc)
    same_site = cfg.same_site.lower()
    if same_site == "none" and not secure:
        same_site = "lax"
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=cfg.path,
        domain=cfg.domain,
        secure=secure,
        httponly=True,
        samesite=same_site,  # type: ignore[arg-type]
    )


# --- the anti-CSRF cookie ------------------------------------------------------------------


def csrf_cookie_name(svc: IdentityService) -> str:
    return csrf.cookie_name(svc.public_url)


def csrf_cookie(svc: IdentityService, request: Request) -> str | None:
    """The raw token of the request's CSRF cookie, when it has a well-formed one."""
    value = request.cookies.get(csrf_cookie_name(svc))
    return value if value and csrf.well_formed(value) else None


class CSRFCookie:
    """The request's CSRF token, or a fresh one to be set on the response."""

    def __init__(self, svc: IdentityService, request: Request) -> None:
        self.svc = svc
        found = csrf_cookie(svc, request)
        self.fresh = found is None
        self.raw = found or csrf.new_token()

    def masked(self) -> str:
        return csrf.mask(self.raw)

    def apply(self, response: Response) -> Response:
        if self.fresh:
            cfg = self.svc.config.browser.csrf_cookie
            _set_cookie(response, self.svc, cfg, csrf_cookie_name(self.svc), self.raw, csrf.MAX_AGE)
        return response


def rotate_csrf(response: Response, svc: IdentityService, raw: str | None = None) -> None:
    """A fresh anti-CSRF token with a new session (Kratos's ``IssueCookie``): a token seen
    before sign-in (on a shared machine, or planted) is worthless after it. ``raw``: the
    token flows created in the same request were given (masked)."""
    cfg = svc.config.browser.csrf_cookie
    value = raw or csrf.new_token()
    _set_cookie(response, svc, cfg, csrf_cookie_name(svc), value, csrf.MAX_AGE)


# --- the session cookie ----------------------------------------------------------------


def session_token(svc: IdentityService, request: Request) -> str | None:
    return token_of(request, svc.config.cookie_name, svc.cookies)


def session_remember(svc: IdentityService, request: Request) -> bool | None:
    return remember_of(request, svc.config.cookie_name, svc.cookies)


def set_session_cookie(
    response: Response, svc: IdentityService, s: Session, remember: bool | None = None
) -> None:
    """The session cookie: persistent (``Max-Age`` to the session's end) when the user chose
    to be remembered, a browser-session cookie when they chose not to, and as
    ``session.cookie.persistent`` says when they made no choice (``remember`` None)."""
    cfg = svc.config.browser.session_cookie
    value = svc.cookies.seal(cookie_payload(s.token, remember))
    max_age = None
    if cfg.persistent if remember is None else remember:
        max_age = max(0, int((s.expires_at - s.issued_at).total_seconds()))
    _set_cookie(response, svc, cfg, cfg.name, value, max_age)


def clear_session_cookie(response: Response, svc: IdentityService) -> None:
    cfg = svc.config.browser.session_cookie
    response.delete_cookie(
        cfg.name, path=cfg.path, domain=cfg.domain, secure=_secure(svc), httponly=True
    )


# --- flows, return URLs, redirects -----------------------------------------------------------


def return_to(svc: IdentityService) -> ReturnTo:
    b = svc.config.browser
    return ReturnTo((*b.allowed_return_urls, svc.public_url), b.default_return_url)


def start(svc: IdentityService, request: Request, cookie: CSRFCookie | None) -> Start:
    """An init request's plain values; ``return_to`` is checked here, before any flow exists."""
    check_query(dict(request.query_params))
    return_to(svc).check(request.query_params.get("return_to"))
    return Start(
        str(request.url),
        "browser" if cookie is not None else "api",
        session_token(svc, request),
        session_remember=session_remember(svc, request),
        csrf_token=cookie.masked() if cookie is not None else "",
        refresh=request.query_params.get("refresh") in ("true", "1"),
        login_challenge=request.query_params.get("login_challenge"),
        aal=aal.requested(request.query_params.get("aal")),
        request=for_hooks(request),
    )


def submission(svc: IdentityService, request: Request) -> Submission:
    """A submit's plain values, with the CSRF cookie, header and session it carries."""
    request.state.next_csrf = csrf.new_token()
    return Submission(
        flow_id=flow_id(request),
        browser=browser_signal(request),
        device=device_of(request),
        body=lambda: read_submission(request),
        request=for_hooks(request),
        csrf_cookie=csrf_cookie(svc, request),
        csrf_header=request.headers.get(csrf.HEADER),
        session_token=session_token(svc, request),
        session_remember=session_remember(svc, request),
        next_csrf=csrf.mask(request.state.next_csrf),
    )


def with_query(url: str, **params: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}{urlencode(params)}"


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def flow_ui(svc: IdentityService, kind: str, flow: uuid.UUID | str) -> str:
    return with_query(svc.config.browser.ui_url(kind), flow=str(flow))


def finished(svc: IdentityService, f: Flow, method: str | None = None) -> str:
    """Where a finished browser flow sends the browser: its ``return_to`` or the default."""
    return return_to(svc).resolve(f.return_to, svc.config.browser.after(f.kind, method))


def flow_response(svc: IdentityService, request: Request, f: Flow, status: int = 200) -> Response:
    """A browser flow as JSON (SPA), or a 303 to its UI (form posts and plain navigation)."""
    if wants_json(request):
        return JSON(f.to_json(svc.public_url), status_code=status)
    return redirect(flow_ui(svc, f.kind, f.id))


async def to_error_ui(svc: IdentityService, exc: RoostError) -> Response:
    """Store the error and send the browser to the error UI with its id."""
    stored = await (await svc.parts()).errors.add(rendering.body(exc)["error"])
    return redirect(with_query(svc.config.browser.ui_url("error"), id=str(stored.id)))


async def browser_error(
    svc: IdentityService, request: Request, kind: str, exc: Exception
) -> Response:
    """How a browser flow answers a failure, by the request's negotiation (module docstring)."""
    if isinstance(exc, FormError):
        return flow_response(svc, request, exc.flow, status=400)
    if not isinstance(exc, RoostError):
        raise exc
    if wants_json(request):
        return rendering.render(exc)
    error_id = getattr(exc, "error_id", None)
    extra: dict[str, Any] = getattr(exc, "extra", {})
    if error_id == "self_service_flow_expired" and "use_flow_id" in extra:
        return redirect(flow_ui(svc, kind, extra["use_flow_id"]))
    if error_id == "session_already_available":
        target = request.query_params.get("return_to")
        try:
            return redirect(return_to(svc).resolve(target, svc.config.browser.after(kind)))
        except RoostError as refused:
            return await to_error_ui(svc, refused)
    if error_id == "session_inactive":
        login = f"{svc.public_url}/self-service/login/browser"
        target = request.query_params.get("return_to")
        return redirect(with_query(login, return_to=target) if target else login)
    if error_id in (
        "session_refresh_required",
        "browser_location_change_required",
        "session_aal2_required",
    ):
        location = extra.get("redirect_browser_to")
        if isinstance(location, str):
            return redirect(location)
    return await to_error_ui(svc, exc)


def from_browser(request: Request) -> bool:
    """A submit is treated as a browser's when it carries a cookie or an ``Origin``: an api
    client sends neither (and its flow would refuse them)."""
    return browser_signal(request) is not None


def browser_route(kind: str, handler: Handler, *, always: bool = True) -> Handler:
    """Wrap an endpoint so that a browser's failures are answered as :func:`browser_error`
    (``always=False``: only requests :func:`from_browser`; api clients keep JSON errors)."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except (FormError, RoostError) as exc:
            if not always and not from_browser(request):
                raise
            return await browser_error(service(request), request, kind, exc)

    return run
