"""The public port (4433): self-service flows (api; browser ones in ``browser_flows``),
sessions, schemas."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from roost.core.errors import Invalid
from roost.core.http import JSON, read_json, route
from roost.identity.http import browser
from roost.identity.http.browser_flows import browser_routes, logged_in, registered
from roost.identity.http.common import (
    bool_param,
    decode_session_token,
    encode_session_token,
    link_header,
    page_size,
    path_uuid,
    service,
)
from roost.identity.http.recovery import address_routes
from roost.identity.http.sessions import token_of
from roost.identity.http.settings import settings_routes
from roost.identity.http.submission import lookup_id
from roost.identity.selfservice import webauthn_script
from roost.identity.selfservice.flows import FormError
from roost.identity.selfservice.registration import Registered
from roost.identity.service import IdentityService
from roost.identity.sessions import aal
from roost.identity.sessions.model import Session


def _init_params(request: Request) -> bool:
    """Validate the init endpoints' booleans; whether ``refresh`` was asked for."""
    bool_param(request, "return_session_token_exchange_code")
    bool_param(request, "refresh")
    return request.query_params.get("refresh") in ("true", "1")


def _token(svc: IdentityService, request: Request) -> str | None:
    return token_of(request, svc.config.cookie_name, svc.cookies)


async def _current(svc: IdentityService, request: Request) -> Session:
    return await (await svc.parts()).sessions.current(_token(svc, request))


async def create_login(request: Request) -> Response:
    svc = service(request)
    refresh = _init_params(request)
    login = (await svc.parts()).login
    wanted = aal.requested(request.query_params.get("aal"))
    f = await login.create_api_flow(str(request.url), refresh, _token(svc, request), wanted)
    return JSON(f.to_json(svc.public_url))


async def create_registration(request: Request) -> Response:
    svc = service(request)
    _init_params(request)
    registration = (await svc.parts()).registration
    f = await registration.create_api_flow(str(request.url), _token(svc, request))
    return JSON(f.to_json(svc.public_url))


def _getter(kind: str) -> Route:
    async def get_flow(request: Request) -> Response:
        svc = service(request)
        csrf_cookie = browser.csrf_cookie(svc, request)
        f = await (await svc.parts()).flows.shown(kind, lookup_id(request), csrf_cookie)
        return JSON(f.to_json(svc.public_url))

    return route(f"/self-service/{kind}/flows", GET=get_flow)


async def submit_login(request: Request) -> Response:
    svc = service(request)
    login = (await svc.parts()).login
    try:
        done = await login.submit(browser.submission(svc, request))
    except FormError as exc:
        if exc.flow.browser:
            return browser.flow_response(svc, request, exc.flow, status=400)
        return JSON(exc.flow.to_json(svc.public_url), status_code=400)
    svc.counters.logins += 1
    if done.flow.browser:
        return logged_in(svc, request, done)
    session = done.session
    assert session.identity is not None
    url = svc.schemas.url(session.identity.schema_id)
    # Kratos omits the identity while the session still owes its second factor.
    shown = session.to_json(url, with_identity=not done.aal2_pending)
    return JSON({"session_token": session.token, "session": shown, "continue_with": None})


def _registered(svc: IdentityService, done: Registered) -> dict[str, Any]:
    """Kratos's success body: the identity, and the session when the hook issued one."""
    ident, session = done.identity, done.session
    url = svc.schemas.url(ident.schema_id)
    if session is None:
        return {"identity": ident.to_json(url), "continue_with": done.continue_with or None}
    token = {"action": "set_ory_session_token", "ory_session_token": session.token}
    return {
        "session_token": session.token,
        "session": session.to_json(url),
        "identity": ident.to_json(url),
        "continue_with": [token, *done.continue_with],
    }


async def submit_registration(request: Request) -> Response:
    svc = service(request)
    registration = (await svc.parts()).registration
    try:
        result = await registration.submit(browser.submission(svc, request))
    except FormError as exc:
        if exc.flow.browser:
            return browser.flow_response(svc, request, exc.flow, status=400)
        return JSON(exc.flow.to_json(svc.public_url), status_code=400)
    if isinstance(result, Registered):
        svc.counters.registrations += 1
        if result.flow is not None and result.flow.browser:
            return registered(svc, request, result)
        return JSON(_registered(svc, result))
    if result.browser:
        return browser.flow_response(svc, request, result)
    return JSON(result.to_json(svc.public_url))


async def native_logout(request: Request) -> Response:
    svc = service(request)
    body = await read_json(request)
    token = body.get("session_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise Invalid("Property session_token is missing.")
    await (await svc.parts()).sessions.logout(token)
    return Response(status_code=204)


async def whoami(request: Request) -> Response:
    svc = service(request)
    s = await _current(svc, request)
    svc.counters.whoami += 1
    assert s.identity is not None
    if not aal.satisfied(svc.config.mfa.whoami_required_aal, s.aal, s.identity.available_aal):
        raise aal.aal2_required(aal.step_up_url(svc.public_url))
    body = s.to_json(svc.schemas.url(s.identity.schema_id))
    return JSON(body, headers={"X-Kratos-Authenticated-Identity-Id": str(s.identity_id)})


async def list_my_sessions(request: Request) -> Response:
    svc = service(request)
    current = await _current(svc, request)
    size = page_size(request)
    token = request.query_params.get("page_token")
    after = decode_session_token(token) if token else None
    found = await (await svc.parts()).session_store.list(
        identity_id=current.identity_id,
        exclude=current.id,
        active=True,
        after=after,
        limit=size + 1,
    )
    more = len(found) > size
    found = found[:size]
    nxt = encode_session_token(found[-1]) if more else None
    body = [s.to_json(svc.schemas.url(s.identity.schema_id) if s.identity else None) for s in found]
    return JSON(body, headers={"Link": link_header(request, svc.public_url, size, "", nxt)})


async def delete_my_sessions(request: Request) -> Response:
    svc = service(request)
    current = await _current(svc, request)
    count = await (await svc.parts()).sessions.revoke_others(current)
    return JSON({"count": count})


async def delete_my_session(request: Request) -> Response:
    svc = service(request)
    current = await _current(svc, request)
    await (await svc.parts()).sessions.revoke_own(current, path_uuid(request))
    return Response(status_code=204)


async def list_schemas(request: Request) -> Response:
    svc = service(request)
    page_size(request)  # validated as Kratos's spec declares; there are few schemas
    return JSON([{"id": sid, "schema": s.raw} for sid, s in svc.schemas.by_id.items()])


async def get_schema(request: Request) -> Response:
    svc = service(request)
    return JSON(svc.schemas.lookup(request.path_params["id"]).raw)


async def webauthn_js(_request: Request) -> Response:
    """Roost's script for the WebAuthn and passkey triggers (``webauthn_script``)."""
    return Response(
        webauthn_script.SOURCE,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


public_routes = [
    # First: the router tries routes in order, and whoami is most of the traffic.
    route(
        "/sessions/whoami",
        **{m: whoami for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")},
    ),
    route("/self-service/login/api", GET=create_login),
    route("/self-service/registration/api", GET=create_registration),
    _getter("login"),
    _getter("registration"),
    route(
        "/self-service/login",
        POST=browser.browser_route("login", submit_login, always=False),
    ),
    route(
        "/self-service/registration",
        POST=browser.browser_route("registration", submit_registration, always=False),
    ),
    route("/self-service/logout/api", DELETE=native_logout),
    route("/sessions", GET=list_my_sessions, DELETE=delete_my_sessions),
    route("/sessions/{id}", DELETE=delete_my_session),
    route("/schemas", GET=list_schemas),
    route("/schemas/{id}", GET=get_schema),
    route(webauthn_script.PATH, GET=webauthn_js),
    *browser_routes,
    *settings_routes,
    *address_routes,
]
