"""Browser login, registration, logout and the error flow (``/self-service/*/browser``).

The init endpoints set the anti-CSRF cookie, create a browser flow carrying a
masked copy of it and answer with a 303 to the flow's UI (or the flow as
JSON for an SPA). Finishing a browser flow sets the session cookie and sends
the browser to ``return_to`` (checked against the allow-list) or the
configured return URL; an SPA gets Kratos's JSON without the session token.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from roost.core.errors import Forbidden, Invalid
from roost.core.http import JSON, route
from roost.identity.errors import unauthorized
from roost.identity.http import browser
from roost.identity.http import errors as rendering
from roost.identity.http.common import bool_param, service
from roost.identity.http.submission import lookup_id
from roost.identity.selfservice.login import LoggedIn
from roost.identity.selfservice.oauth2_login import location_change
from roost.identity.selfservice.registration import Registered
from roost.identity.service import IdentityService
from roost.identity.validation import check_query


def _init_params(request: Request) -> None:
    bool_param(request, "refresh")
    bool_param(request, "return_session_token_exchange_code")


async def create_browser_login(request: Request) -> Response:
    svc = service(request)
    _init_params(request)
    cookie = browser.CSRFCookie(svc, request)
    f = await (await svc.parts()).login.create_flow(browser.start(svc, request, cookie))
    return cookie.apply(browser.flow_response(svc, request, f))


async def create_browser_registration(request: Request) -> Response:
    svc = service(request)
    _init_params(request)
    cookie = browser.CSRFCookie(svc, request)
    f = await (await svc.parts()).registration.create_flow(browser.start(svc, request, cookie))
    return cookie.apply(browser.flow_response(svc, request, f))


def logged_in(svc: IdentityService, request: Request, done: LoggedIn) -> Response:
    """A finished browser login: the session cookie, then JSON (SPA) or a 303."""
    session = done.session
    if done.redirect_to is not None:
        # Hydra's login request accepted: the browser goes on to Hydra (Kratos: a 303, or
        # 422 browser_location_change_required for an SPA), with the session cookie set.
        if browser.wants_json(request):
            response: Response = rendering.render(location_change(done.redirect_to))
        else:
            response = browser.redirect(done.redirect_to)
        browser.set_session_cookie(response, svc, session, done.remember)
        if not done.refreshed:
            browser.rotate_csrf(response, svc)
        return response
    if browser.wants_json(request):
        assert session.identity is not None
        url = svc.schemas.url(session.identity.schema_id)
        response = JSON({"session": session.to_json(url), "continue_with": None})
    else:
        response = browser.redirect(browser.finished(svc, done.flow, done.flow.active))
    browser.set_session_cookie(response, svc, session, done.remember)
    if not done.refreshed:
        browser.rotate_csrf(response, svc)
    return response


def registered(svc: IdentityService, request: Request, done: Registered) -> Response:
    """A finished browser registration (the cookie only when the session hook issued one)."""
    ident, session = done.identity, done.session
    assert done.flow is not None
    if browser.wants_json(request):
        url = svc.schemas.url(ident.schema_id)
        body: dict[str, Any] = {
            "identity": ident.to_json(url),
            "continue_with": done.continue_with or None,
        }
        if session is not None:
            body["session"] = session.to_json(url)
        response: Response = JSON(body)
    elif done.continue_with and svc.config.addresses.show_verification_ui:
        response = browser.redirect(done.continue_with[0]["flow"]["url"])
    else:
        response = browser.redirect(browser.finished(svc, done.flow, done.flow.active))
    if session is not None:
        browser.set_session_cookie(response, svc, session)
        browser.rotate_csrf(response, svc, getattr(request.state, "next_csrf", None))
    return response


async def create_browser_logout(request: Request) -> Response:
    """``{logout_token, logout_url}`` for the signed-in browser (401 without a session)."""
    svc = service(request)
    raw = request.query_params.get("return_to")
    check_query(dict(request.query_params))
    browser.return_to(svc).check(raw)
    s = await (await svc.parts()).sessions.active(browser.session_token(svc, request))
    if s is None:
        raise unauthorized()
    params = {"token": s.logout_token, **({"return_to": raw} if raw else {})}
    url = browser.with_query(f"{svc.public_url}/self-service/logout", **params)
    return JSON({"logout_token": s.logout_token, "logout_url": url})


async def update_logout(request: Request) -> Response:
    """Revoke the cookie's session when the URL's logout token is its own (Kratos's check)."""
    svc = service(request)
    expected = request.query_params.get("token") or ""
    if not expected:
        raise Invalid("Please include a token in the URL query.")
    target = browser.return_to(svc).resolve(
        request.query_params.get("return_to"), svc.config.browser.after("logout")
    )
    parts = await svc.parts()
    s = await parts.sessions.active(browser.session_token(svc, request))
    if s is None:
        raise unauthorized()
    if not hmac.compare_digest(s.logout_token.encode(), expected.encode()):
        raise Forbidden(
            "Unable to log out because the logout token in the URL query does not match the "
            "session cookie."
        )
    await parts.session_store.revoke(session_id=s.id)
    response = Response(status_code=204) if browser.wants_json(request) else None
    response = response or browser.redirect(target)
    browser.clear_session_cookie(response, svc)
    return response


async def get_flow_error(request: Request) -> Response:
    svc = service(request)
    stored = await (await svc.parts()).errors.get(lookup_id(request))
    return JSON(stored.to_json())


browser_routes = [
    route(
        "/self-service/login/browser",
        GET=browser.browser_route("login", create_browser_login),
    ),
    route(
        "/self-service/registration/browser",
        GET=browser.browser_route("registration", create_browser_registration),
    ),
    route("/self-service/logout/browser", GET=create_browser_logout),
    route("/self-service/logout", GET=browser.browser_route("logout", update_logout)),
    route("/self-service/errors", GET=get_flow_error),
]
