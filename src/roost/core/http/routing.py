"""``route()``: the one way a service declares a path and its methods.

One route per path makes a 405 carry the full ``Allow`` list, answered by the
service's error table like any other error; ``HEAD`` follows ``GET``. A NUL
character in the URL is refused here, before any handler (PostgreSQL's text
cannot hold it, so it would otherwise fail in SQL).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from roost.core.errors import Invalid, MethodNotAllowed
from roost.core.http.bodies import url_has_nul

Endpoint = Callable[[Request], Awaitable[Response]]
EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def route(path: str, **handlers: Endpoint) -> Route:
    """One route for several methods: ``route("/x", GET=read, PUT=write)``."""
    table = {method.upper(): handler for method, handler in handlers.items()}
    if "GET" in table:
        table.setdefault("HEAD", table["GET"])
    allowed = sorted(m for m in table if m != "HEAD")

    async def dispatch(request: Request) -> Response:
        if url_has_nul(request):
            raise Invalid("The request URL must not contain NUL characters.")
        handler = table.get(request.method)
        if handler is None:
            raise MethodNotAllowed(allowed)
        return await handler(request)

    return Route(path, dispatch, methods=EVERY_METHOD)
