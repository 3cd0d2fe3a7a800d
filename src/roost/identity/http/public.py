"""The public port (4433): native self-service flows, sessions, schemas."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from roost.core.errors import Forbidden, Invalid, NotFound
from roost.core.http import JSON, read_json, route
from roost.identity.http.common import (
    bool_param,
    decode_session_token,
    encode_session_token,
    link_header,
    page_size,
    path_uuid,
    service,
)
from roost.identity.selfservice import common, login, registration
from roost.identity.selfservice.common import FormError
from roost.identity.sessions.manager import current_session, plausible


def _init_params(request: Request) -> None:
    bool_param(request, "return_session_token_exchange_code")
    bool_param(request, "refresh")


async def create_login(request: Request) -> Response:
    svc = service(request)
    _init_params(request)
    f = await login.create_api_flow(svc, request)
    return JSON(f.to_json(svc.public_url))


async def create_registration(request: Request) -> Response:
    svc = service(request)
    _init_params(request)
    await login.refuse_if_signed_in(svc, request)
    f = await registration.create_api_flow(svc, request)
    return JSON(f.to_json(svc.public_url))


def _getter(kind: str) -> Route:
    async def get_flow(request: Request) -> Response:
        svc = service(request)
        f = await common.load_flow(svc, kind, common.lookup_id(request))
        if f.expired():
            raise common.expired_on_get(svc, f)
        return JSON(f.to_json(svc.public_url))

    return route(f"/self-service/{kind}/flows", GET=get_flow)


async def submit_login(request: Request) -> Response:
    svc = service(request)
    try:
        return JSON(await login.submit(svc, request))
    except FormError as exc:
        return JSON(exc.flow.to_json(svc.public_url), status_code=400)


async def submit_registration(request: Request) -> Response:
    svc = service(request)
    try:
        result = await registration.submit(svc, request)
    except FormError as exc:
        return JSON(exc.flow.to_json(svc.public_url), status_code=400)
    if isinstance(result, dict):
        return JSON(result)
    return JSON(result.to_json(svc.public_url))


async def native_logout(request: Request) -> Response:
    svc = service(request)
    body = await read_json(request)
    token = body.get("session_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise Invalid("Property session_token is missing.")
    found = await svc.sessions.by_token(token) if plausible(token) else None
    if found is None:
        raise Forbidden(
            "The provided Ory Session Token could not be found, is invalid, or otherwise malformed."
        )
    await svc.sessions.revoke(session_id=found.id)
    return Response(status_code=204)


async def whoami(request: Request) -> Response:
    svc = service(request)
    s = await current_session(svc, request)
    svc.counters.whoami += 1
    assert s.identity is not None
    body = s.to_json(svc.schemas.url(s.identity.schema_id))
    return JSON(body, headers={"X-Kratos-Authenticated-Identity-Id": str(s.identity_id)})


async def list_my_sessions(request: Request) -> Response:
    svc = service(request)
    current = await current_session(svc, request)
    size = page_size(request)
    token = request.query_params.get("page_token")
    after = decode_session_token(token) if token else None
    found = await svc.sessions.list(
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
    current = await current_session(svc, request)
    count = await svc.sessions.revoke(identity_id=current.identity_id, except_id=current.id)
    return JSON({"count": count})


async def delete_my_session(request: Request) -> Response:
    svc = service(request)
    current = await current_session(svc, request)
    sid = path_uuid(request)
    if sid == current.id:
        raise Invalid("You cannot revoke the current session using this endpoint.")
    target = await svc.sessions.get(sid)
    if target is None or target.identity_id != current.identity_id:
        raise NotFound(message="Unable to locate the resource")
    await svc.sessions.revoke(session_id=sid)
    return Response(status_code=204)


async def list_schemas(request: Request) -> Response:
    svc = service(request)
    page_size(request)  # validated as Kratos's spec declares; there are few schemas
    return JSON([{"id": sid, "schema": s.raw} for sid, s in svc.schemas.by_id.items()])


async def get_schema(request: Request) -> Response:
    svc = service(request)
    return JSON(svc.schemas.lookup(request.path_params["id"]).raw)


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
    route("/self-service/login", POST=submit_login),
    route("/self-service/registration", POST=submit_registration),
    route("/self-service/logout/api", DELETE=native_logout),
    route("/sessions", GET=list_my_sessions, DELETE=delete_my_sessions),
    route("/sessions/{id}", DELETE=delete_my_session),
    route("/schemas", GET=list_schemas),
    route("/schemas/{id}", GET=get_schema),
]
