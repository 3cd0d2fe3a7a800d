"""What every OAuth2 handler shares: the service from lifespan state and error rendering.

Hydra answers every error, admin API included, in its flat ``errorOAuth2``
shape (``error``, ``error_description``, ``status_code``); herodot's
``message`` is added so bodies also satisfy the spec's ``genericError``.
:func:`endpoint` is the one place OAuth2 and domain errors become HTTP here;
anything else falls through to the shared 500 handler.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from roost.core.errors import Invalid, RoostError
from roost.core.http import JSON, read_body, read_json, reject_nul, url_has_nul
from roost.oauth2.rfc6749.errors import InvalidRequest, OAuth2Error
from roost.oauth2.rfc6749.request import parse_form
from roost.oauth2.service import OAuth2Service, Parts

Handler = Callable[[Request], Awaitable[Response]]
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
NO_CACHE = {"Cache-Control": "private, no-cache, no-store, must-revalidate"}


def service(request: Request) -> OAuth2Service:
    svc: OAuth2Service = request.state.service
    return svc


async def parts(request: Request) -> Parts:
    svc = service(request)
    await svc.start()
    return svc.parts


def oauth2_error(exc: OAuth2Error, *, expose_debug: bool = False) -> JSON:
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="oauth2", error="invalid_client"'
    return JSON(exc.body(expose_debug=expose_debug), status_code=exc.status, headers=headers)


def domain_error(exc: RoostError) -> JSON:
    phrase = HTTPStatus(exc.status).phrase
    body: dict[str, Any] = {
        "error": phrase,
        "error_description": exc.reason or exc.message,
        "status_code": exc.status,
        "message": exc.message,
    }
    if exc.reason:
        body["reason"] = exc.reason
    return JSON(body, status_code=exc.status)


async def read_json_body(request: Request) -> Any:
    """The JSON body; NUL characters are refused (PostgreSQL text cannot hold them)."""
    body = await read_json(request)
    reject_nul(body, "The request body must not contain NUL characters.")
    return body


def endpoint(fn: Handler) -> Handler:
    @functools.wraps(fn)
    async def wrapped(request: Request) -> Response:
        try:
            if url_has_nul(request):
                raise Invalid("The request URL must not contain NUL characters.")
            return await fn(request)
        except OAuth2Error as exc:
            return oauth2_error(exc, expose_debug=service(request).config.expose_internal_errors)
        except RoostError as exc:
            return domain_error(exc)

    return wrapped


async def read_form(request: Request) -> dict[str, str]:
    return parse_form(await read_body(request), request.headers.get("content-type"))


def require(form: dict[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise InvalidRequest(f"The {name} parameter is missing.")
    return value


RouteTable = Sequence[tuple[str, Handler, list[str]]]
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def method_not_allowed(allowed: Sequence[str]) -> JSON:
    body = {
        "error": "method_not_allowed",
        "error_description": f"The method is not allowed; use {', '.join(allowed)}.",
        "status_code": 405,
        "message": "Method Not Allowed",
    }
    return JSON(body, status_code=405, headers={"Allow": ", ".join(allowed)})


def routes(table: RouteTable, prefixes: Sequence[str] = ("",)) -> list[BaseRoute]:
    """One route per path that dispatches on the method, so ``405`` lists every method."""
    by_path: dict[str, dict[str, Handler]] = {}
    for path, fn, methods in table:
        for method in methods:
            by_path.setdefault(path, {})[method] = fn
            if method == "GET":
                by_path[path]["HEAD"] = fn

    def dispatcher(handlers: dict[str, Handler]) -> Handler:
        allowed = sorted(m for m in handlers if m != "HEAD")

        async def dispatch(request: Request) -> Response:
            fn = handlers.get(request.method)
            if fn is None:
                return method_not_allowed(allowed)
            return await fn(request)

        return dispatch

    return [
        Route(prefix + path, dispatcher(handlers), methods=ALL_METHODS)
        for prefix in prefixes
        for path, handlers in by_path.items()
    ]
