"""Admin port: Hydra's login and consent request operations (reference §1.3, §2.3, §2.4).

``GET /admin/oauth2/auth/requests/login?login_challenge=`` (``challenge`` is
an alias, as in Hydra), ``PUT …/login/accept|reject`` and the same for
consent; accept and reject answer ``{"redirect_to": …}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from roost.core.errors import Invalid
from roost.core.http import JSON, route
from roost.oauth2.consent.requests import ConsentRequests
from roost.oauth2.http.common import NO_CACHE, parts, read_json_body
from roost.oauth2.validation import check_flow_body


def _challenge(request: Request, kind: str) -> str:
    value = request.query_params.get(f"{kind}_challenge") or request.query_params.get("challenge")
    if not value:
        raise Invalid(f"Query parameter '{kind}_challenge' is not defined but should have been.")
    return value


Reader = Callable[[ConsentRequests, str], Awaitable[dict[str, Any]]]
Writer = Callable[[ConsentRequests, str, Any], Awaitable[str]]


def _reader(kind: str, read: Reader) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        challenge = _challenge(request, kind)
        p = await parts(request)
        return JSON(await read(p.consent_requests, challenge), headers=NO_CACHE)

    return handler


def _writer(kind: str, write: Writer) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        challenge = _challenge(request, kind)
        # Ory's SDKs send no body at all when the optional one is left out.
        body = await read_json_body(request) if await request.body() else {}
        check_flow_body(body)
        p = await parts(request)
        return JSON({"redirect_to": await write(p.consent_requests, challenge, body)})

    return handler


def request_routes(prefix: str) -> list[BaseRoute]:
    base = f"{prefix}/oauth2/auth/requests"
    c = ConsentRequests
    return [
        route(f"{base}/login", GET=_reader("login", c.login_request)),
        route(f"{base}/login/accept", PUT=_writer("login", c.accept_login)),
        route(f"{base}/login/reject", PUT=_writer("login", c.reject_login)),
        route(f"{base}/consent", GET=_reader("consent", c.consent_request)),
        route(f"{base}/consent/accept", PUT=_writer("consent", c.accept_consent)),
        route(f"{base}/consent/reject", PUT=_writer("consent", c.reject_consent)),
    ]
