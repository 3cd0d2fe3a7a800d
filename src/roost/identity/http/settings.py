"""The settings flow's endpoints (``/self-service/settings*``), api and browser.

A settings flow is rendered with the identity it changes (Kratos's
``settingsFlow.identity``). A browser form post that succeeds is sent to
``return_to``, or ``selfservice.flows.settings.after[.<method>]``, or back to
the settings UI showing the flow in state ``success``; one whose session is
too old is sent to the ``refresh=true`` login (``browser.browser_error``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from roost.core.http import JSON, route
from roost.identity.http import browser
from roost.identity.http.common import service
from roost.identity.http.submission import lookup_id
from roost.identity.selfservice.flow import Flow
from roost.identity.selfservice.flows import FormError
from roost.identity.service import IdentityService


async def _json(svc: IdentityService, f: Flow) -> dict[str, Any]:
    settings = (await svc.parts()).settings
    identity = await settings.identity_of(f)
    out = settings.reveal(f).to_json(svc.public_url)
    out["identity"] = identity.to_json(svc.schemas.url(identity.schema_id))
    if f.state == "success":
        out["continue_with"] = []
    return out


async def _answer(svc: IdentityService, request: Request, f: Flow, status: int) -> Response:
    if f.browser and not browser.wants_json(request):
        if f.state == "success":
            return browser.redirect(
                browser.return_to(svc).resolve(
                    f.return_to,
                    svc.config.browser.after_return_urls.get(f"settings.{f.active}")
                    or svc.config.browser.after_return_urls.get("settings")
                    or browser.flow_ui(svc, "settings", f.id),
                )
            )
        return browser.redirect(browser.flow_ui(svc, "settings", f.id))
    return JSON(await _json(svc, f), status_code=status)


async def create_browser_settings(request: Request) -> Response:
    svc = service(request)
    cookie = browser.CSRFCookie(svc, request)
    f = await (await svc.parts()).settings.create_flow(browser.start(svc, request, cookie))
    return cookie.apply(await _answer(svc, request, f, 200))


async def create_api_settings(request: Request) -> Response:
    svc = service(request)
    f = await (await svc.parts()).settings.create_flow(browser.start(svc, request, None))
    return JSON(await _json(svc, f))


async def get_settings_flow(request: Request) -> Response:
    svc = service(request)
    settings = (await svc.parts()).settings
    f = await settings.shown(
        lookup_id(request), browser.csrf_cookie(svc, request), browser.session_token(svc, request)
    )
    return JSON(await _json(svc, f))


async def update_settings(request: Request) -> Response:
    svc = service(request)
    try:
        f = await (await svc.parts()).settings.submit(browser.submission(svc, request))
    except FormError as exc:
        return await _answer(svc, request, exc.flow, 400)
    return await _answer(svc, request, f, 200)


settings_routes = [
    route(
        "/self-service/settings/browser",
        GET=browser.browser_route("settings", create_browser_settings),
    ),
    route("/self-service/settings/api", GET=create_api_settings),
    route("/self-service/settings/flows", GET=get_settings_flow),
    route(
        "/self-service/settings",
        POST=browser.browser_route("settings", update_settings, always=False),
    ),
]
