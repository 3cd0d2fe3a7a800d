"""Admin port (4445): every route under ``/admin`` and, as in Hydra, without the prefix.

Hydra rewrites prefix-less admin paths to ``/admin/...``; here each route is
simply registered twice. Introspection (RFC 7662) and the bulk token delete
live here too, never on the public port.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from roost import __version__
from roost.core.errors import Invalid
from roost.core.http import JSON
from roost.oauth2.http.admin_clients import client_routes
from roost.oauth2.http.admin_keys import key_routes
from roost.oauth2.http.common import (
    RouteTable,
    endpoint,
    parts,
    read_form,
    require,
    routes,
    service,
)


@endpoint
async def introspect(request: Request) -> Response:
    p = await parts(request)
    form = await read_form(request)
    token = require(form, "token")
    service(request).counters.introspections += 1
    return JSON(await p.introspector.introspect(token, form.get("scope")))


@endpoint
async def delete_tokens(request: Request) -> Response:
    client_id = request.query_params.get("client_id", "")
    if not client_id:
        raise Invalid("The client_id query parameter is required.")
    await (await parts(request)).tokens.delete_client_tokens(client_id)
    return Response(status_code=204)


async def alive(_request: Request) -> Response:
    return JSON({"status": "ok"})


async def ready(request: Request) -> Response:
    errors = await service(request).ready_errors()
    if errors:
        return JSON({"errors": errors}, status_code=503)
    return JSON({"status": "ok"})


async def version(_request: Request) -> Response:
    return JSON({"version": f"v{__version__}"})


def _admin_table() -> RouteTable:
    return [
        *client_routes(),
        *key_routes(),
        ("/oauth2/introspect", introspect, ["POST"]),
        ("/oauth2/tokens", delete_tokens, ["DELETE"]),
    ]


admin_routes: list[BaseRoute] = [
    *routes(
        [
            ("/health/alive", alive, ["GET"]),
            ("/health/ready", ready, ["GET"]),
            ("/version", version, ["GET"]),
        ],
        ("/admin",),
    ),
    *routes(_admin_table(), ("/admin", "")),
]
