"""Admin port (4445): every route under ``/admin`` and, as in Hydra, without the prefix.

Hydra rewrites prefix-less admin paths to ``/admin/...``; here each route is
simply registered twice. The health and version endpoints are the shared
ones, under both prefixes too (see ``roost.oauth2.module``). Introspection
(RFC 7662) and the bulk token delete live here too, never on the public port.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from roost.core.errors import Invalid
from roost.core.http import JSON, route
from roost.oauth2.http.admin_clients import client_routes
from roost.oauth2.http.admin_keys import key_routes
from roost.oauth2.http.admin_requests import request_routes
from roost.oauth2.http.admin_sessions import session_routes
from roost.oauth2.http.common import parts, read_form, require, service
from roost.oauth2.http.device import admin_device_routes


async def introspect(request: Request) -> Response:
    p = await parts(request)
    form = await read_form(request)
    token = require(form, "token")
    service(request).counters.introspections += 1
    return JSON(await p.introspector.introspect(token, form.get("scope")))


async def delete_tokens(request: Request) -> Response:
    client_id = request.query_params.get("client_id", "")
    if not client_id:
        raise Invalid("The client_id query parameter is required.")
    await (await parts(request)).tokens.delete_client_tokens(client_id)
    return Response(status_code=204)


def _admin(prefix: str) -> list[BaseRoute]:
    return [
        *client_routes(prefix),
        *key_routes(prefix),
        *request_routes(prefix),
        *session_routes(prefix),
        *admin_device_routes(prefix),
        route(f"{prefix}/oauth2/introspect", POST=introspect),
        route(f"{prefix}/oauth2/tokens", DELETE=delete_tokens),
    ]


admin_routes: list[BaseRoute] = [*_admin("/admin"), *_admin("")]
