"""Public port: dynamic client registration, ``/oauth2/register`` (RFC 7591, RFC 7592).

The rules are in ``roost.oauth2.clients.registration``; this module reads the
body and the Bearer registration access token.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from roost.core.http import JSON, route
from roost.oauth2.http.common import NO_CACHE, parts, read_json_body


def _bearer(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _id(request: Request) -> str:
    return str(request.path_params["id"])


async def register(request: Request) -> Response:
    p = await parts(request)
    body = await read_json_body(request) if p.registration.enabled else None
    return JSON(await p.registration.register(body), status_code=201, headers=NO_CACHE)


async def get_registered(request: Request) -> Response:
    p = await parts(request)
    return JSON(await p.registration.read(_id(request), _bearer(request)), headers=NO_CACHE)


async def set_registered(request: Request) -> Response:
    p = await parts(request)
    bearer = _bearer(request)
    body = await read_json_body(request) if p.registration.enabled else None
    return JSON(await p.registration.update(_id(request), bearer, body), headers=NO_CACHE)


async def delete_registered(request: Request) -> Response:
    p = await parts(request)
    await p.registration.delete(_id(request), _bearer(request))
    return Response(status_code=204)


register_routes: list[BaseRoute] = [
    route("/oauth2/register", POST=register),
    route(
        "/oauth2/register/{id}", GET=get_registered, PUT=set_registered, DELETE=delete_registered
    ),
]
