"""Recovery and verification endpoints (``/self-service/{recovery,verification}*``) and the
admin's recovery codes and links (decision 0023).

Both flows answer alike: init (api JSON; browser 303 to the UI or SPA JSON,
with the CSRF cookie), getter, submit (JSON, or a 303 to the UI for a form
post) and ``GET ?flow=&token=`` / ``&code=`` for the links in the mails. A
finished recovery signs the browser in (session cookie, a fresh CSRF token
that the new settings flow carries) and sends it to the settings UI; api and
SPA clients get the flow with ``continue_with``.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response

from roost.core.errors import ConfigError, Invalid
from roost.core.http import JSON, read_json, route
from roost.identity.config import duration
from roost.identity.http import browser
from roost.identity.http import errors as rendering
from roost.identity.http.common import service
from roost.identity.http.submission import flow_id, lookup_id
from roost.identity.identities.model import ts
from roost.identity.selfservice.address_flow import AddressFlow, Retry
from roost.identity.selfservice.flow import Flow
from roost.identity.selfservice.flows import FormError, Submission
from roost.identity.selfservice.recovery import Recovered
from roost.identity.service import IdentityService
from roost.identity.validation import check_document

Kind = Literal["recovery", "verification"]
_MAX_DURATION = timedelta(microseconds=(2**63 - 1) // 1000)
"""The longest Go ``time.Duration`` (about 292 years)."""


async def _flow_of(svc: IdentityService, kind: Kind) -> AddressFlow:
    parts = await svc.parts()
    return parts.recovery if kind == "recovery" else parts.verification


def _ui(svc: IdentityService, kind: str, f: uuid.UUID) -> str:
    return browser.flow_ui(svc, kind, f)


def _shown(
    svc: IdentityService, request: Request, f: Flow, status: int = 200, **extra: Any
) -> Response:
    """A flow shown again: the UI for a form post, else JSON (with ``continue_with``)."""
    if f.browser and not browser.wants_json(request):
        return browser.redirect(_ui(svc, f.kind, f.id))
    return JSON({**f.to_json(svc.public_url), **extra}, status_code=status)


def _recovered(svc: IdentityService, request: Request, done: Recovered, raw: str) -> Response:
    f, settings = done.flow, done.settings
    url = _ui(svc, "settings", settings.id)
    show = {"action": "show_settings_ui", "flow": {"id": str(settings.id), "url": url}}
    if not f.browser:
        token = {"action": "set_ory_session_token", "ory_session_token": done.session.token}
        return JSON({**f.to_json(svc.public_url), "continue_with": [token, show]})
    if browser.wants_json(request):
        response: Response = JSON({**f.to_json(svc.public_url), "continue_with": [show]})
    else:
        response = browser.redirect(url)
    browser.set_session_cookie(response, svc, done.session)
    browser.rotate_csrf(response, svc, raw)
    return response


def _answer(svc: IdentityService, request: Request, kind: Kind, result: Any, raw: str) -> Response:
    if isinstance(result, Recovered):
        return _recovered(svc, request, result, raw)
    f: Flow = result
    after = svc.config.addresses.flow(kind).after_return_url
    done = f.state == "passed_challenge"
    if done and after and f.browser and not browser.wants_json(request):
        return browser.redirect(browser.return_to(svc).resolve(f.return_to, after))
    return _shown(svc, request, f)


def _retry(svc: IdentityService, request: Request, exc: Retry) -> Response:
    if exc.flow.browser and not browser.wants_json(request):
        return browser.redirect(_ui(svc, exc.flow.kind, exc.flow.id))
    return rendering.render(exc.error())


def _create(kind: Kind, type_: Literal["api", "browser"]) -> browser.Handler:
    async def create(request: Request) -> Response:
        svc = service(request)
        cookie = browser.CSRFCookie(svc, request) if type_ == "browser" else None
        f = await (await _flow_of(svc, kind)).create_flow(browser.start(svc, request, cookie))
        if cookie is None:
            return JSON(f.to_json(svc.public_url))
        return cookie.apply(browser.flow_response(svc, request, f))

    return create


def _getter(kind: Kind) -> browser.Handler:
    async def get_flow(request: Request) -> Response:
        svc = service(request)
        cookie = browser.csrf_cookie(svc, request)
        f = await (await svc.parts()).flows.shown(kind, lookup_id(request), cookie)
        return JSON(f.to_json(svc.public_url))

    return get_flow


def _submit(kind: Kind) -> browser.Handler:
    async def submit(request: Request) -> Response:
        svc = service(request)
        handler = await _flow_of(svc, kind)
        sub = browser.submission(svc, request)
        raw: str = request.state.next_csrf  # the CSRF cookie a new session comes with
        try:
            if request.method == "GET":
                result = await _link(svc, request, handler, sub)
            else:
                result = await handler.submit(sub)
        except Retry as exc:
            return _retry(svc, request, exc)
        except FormError as exc:
            return _shown(svc, request, exc.flow, 400)
        response = _answer(svc, request, kind, result, raw)
        linked = request.query_params.get("token") or request.query_params.get("code")
        if request.method == "GET" and linked and isinstance(result, Flow) and result.browser:
            browser.rotate_csrf(response, svc, raw)  # the flow now carries this token
        return response

    return submit


async def _link(
    svc: IdentityService, request: Request, handler: AddressFlow, sub: Submission
) -> Any:
    """``GET ?flow=&token=`` or ``&code=``; without either, the flow's UI (Kratos's 303)."""
    params = request.query_params
    fid = flow_id(request)
    for param, method in (("token", "link"), ("code", "code")):
        value = params.get(param)
        if value:
            return await handler.use_link(fid, method, value, sub)
    return await (await svc.parts()).flows.load(handler.kind, fid)


def _routes(kind: Kind) -> list[Any]:
    submit = browser.browser_route(kind, _submit(kind), always=False)
    return [
        route(
            f"/self-service/{kind}/browser",
            GET=browser.browser_route(kind, _create(kind, "browser")),
        ),
        route(f"/self-service/{kind}/api", GET=_create(kind, "api")),
        route(f"/self-service/{kind}/flows", GET=_getter(kind)),
        route(f"/self-service/{kind}", POST=submit, GET=submit),
    ]


address_routes = [*_routes("recovery"), *_routes("verification")]


# --- admin: /admin/recovery/code and /admin/recovery/link --------------------------------


async def _admin_body(request: Request) -> tuple[uuid.UUID, Any, str]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object.")
    check_document(body)
    try:
        identity_id = uuid.UUID(str(body.get("identity_id") or ""))
    except ValueError:
        raise Invalid("identity_id must be a UUID.") from None
    expires_in = None
    raw = body.get("expires_in")
    if raw not in (None, ""):
        try:
            expires_in = duration(str(raw))
            if expires_in > _MAX_DURATION:  # Go's ParseDuration refuses it as out of range
                raise OverflowError
        except (ConfigError, OverflowError):
            raise Invalid(
                'Unable to parse "expires_in" as a duration string (e.g. "1h", "1m30s", '
                f'"500ms"): {str(raw)[:64]}'
            ) from None
        if expires_in.total_seconds() <= 0:
            raise Invalid(f'Value from "expires_in" must result to a future time: {raw}')
    flow_type = body.get("flow_type") or "browser"
    if flow_type not in ("api", "browser"):
        raise Invalid(f'Value from "flow_type" is not valid: "{str(flow_type)[:16]}"')
    return identity_id, expires_in, flow_type


async def _admin_recovery(request: Request, method: Literal["code", "link"]) -> Response:
    svc = service(request)
    recovery = (await svc.parts()).recovery
    identity_id, expires_in, flow_type = await _admin_body(request)
    if not svc.config.addresses.recovery.enabled:
        raise recovery.disabled()
    if not svc.config.addresses.enabled(method):
        raise Invalid(f"The {method} recovery method is disabled.")
    f, value = await recovery.admin_create(identity_id, method, expires_in, flow_type)
    if method == "code":
        link = browser.with_query(svc.config.browser.ui_url("recovery"), flow=str(f.id))
        body = {"recovery_link": link, "recovery_code": value, "expires_at": ts(f.expires_at)}
        return JSON(body, status_code=201)
    link = recovery.link(f, "token", value)
    return JSON({"recovery_link": link, "expires_at": ts(f.expires_at)})


async def create_recovery_code(request: Request) -> Response:
    return await _admin_recovery(request, "code")


async def create_recovery_link(request: Request) -> Response:
    return await _admin_recovery(request, "link")


admin_recovery_routes = [
    route("/admin/recovery/code", POST=create_recovery_code),
    route("/admin/recovery/link", POST=create_recovery_link),
]
