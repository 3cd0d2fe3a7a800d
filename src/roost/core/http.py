"""The one helper that turns a domain's routes into a port's ASGI app.

Every port gets the same pieces: Ory's JSON error rendering (the only place
domain errors become HTTP), ``/health/alive``, ``/health/ready``, ``/version``
and ``/metrics/prometheus``. A domain's service object reaches handlers through
lifespan state (``request.state.service``); nothing is global.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from http import HTTPStatus
from typing import Any, Protocol

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from roost import __version__
from roost.core.errors import Invalid, PayloadTooLarge, RoostError

log = logging.getLogger("roost.http")
Endpoint = Callable[[Request], Awaitable[Response]]
MAX_BODY = 1 << 20  # 1 MiB, enough for any API payload here


class JSON(Response):
    """JSON response rendered with orjson (the hot path of every API)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class PortService(Protocol):
    """What the shared endpoints need from a service."""

    async def ready_errors(self) -> dict[str, str]: ...

    def metrics(self) -> dict[str, float]: ...


def error_body(status: int, message: str, reason: str = "", **extra: Any) -> dict[str, Any]:
    """Ory's (herodot's) error container."""
    err: dict[str, Any] = {
        "code": status,
        "status": HTTPStatus(status).phrase,
        "message": message,
    }
    if reason:
        err["reason"] = reason
    err.update({k: v for k, v in extra.items() if v})
    return {"error": err}


def render_error(exc: RoostError) -> JSON:
    body = error_body(exc.status, exc.message, exc.reason, details=exc.details)
    return JSON(body, status_code=exc.status)


async def _on_domain_error(_req: Request, exc: Exception) -> Response:
    assert isinstance(exc, RoostError)
    return render_error(exc)


async def _on_http_error(_req: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSON(
        error_body(exc.status_code, str(exc.detail)),
        status_code=exc.status_code,
        headers=dict(exc.headers or {}),
    )


async def _on_unexpected(_req: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return JSON(
        error_body(
            500, "An internal server error occurred, please contact the system administrator"
        ),
        status_code=500,
    )


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body, refusing anything over ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the request body exceeds {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int = MAX_BODY) -> Any:
    """Parse the body as JSON; malformed input is a 400 with Keto's wording."""
    body = await read_body(request, limit)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"could not unmarshal json: {exc}") from exc


def reject_nul(data: Any, message: str) -> None:
    """Refuse NUL characters anywhere in parsed input (400 with ``message``).

    PostgreSQL's ``text`` and ``jsonb`` cannot hold them, so they would
    otherwise fail in SQL as a 500 instead of as bad input.
    """
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise Invalid(message)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def url_has_nul(request: Request) -> bool:
    """Whether the request's path or query string carries a NUL character."""
    raw = request.scope.get("raw_path") or b""
    query = request.scope.get("query_string", b"")
    return b"%00" in raw or b"\x00" in raw or b"%00" in query


def route(path: str, **handlers: Endpoint) -> Route:
    """One route for several methods (``GET=...``, ``POST=...``).

    A single route per path makes a 405 carry the full ``Allow`` header.
    """
    table = {method.upper(): handler for method, handler in handlers.items()}

    async def dispatch(request: Request) -> Response:
        return await table[request.method](request)

    return Route(path, dispatch, methods=list(table))


def _shared_routes(
    service_of: Callable[[Request], PortService], prefixes: Sequence[str]
) -> list[BaseRoute]:
    async def alive(_req: Request) -> Response:
        return JSON({"status": "ok"})

    async def ready(req: Request) -> Response:
        errors = await service_of(req).ready_errors()
        if errors:
            return JSON({"errors": errors}, status_code=503)
        return JSON({"status": "ok"})

    async def version(_req: Request) -> Response:
        return JSON({"version": f"v{__version__}"})

    async def metrics(req: Request) -> Response:
        lines = [f"{name} {value}" for name, value in sorted(service_of(req).metrics().items())]
        return Response("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

    return [
        route
        for prefix in prefixes
        for route in (
            Route(f"{prefix}/health/alive", alive, methods=["GET"]),
            Route(f"{prefix}/health/ready", ready, methods=["GET"]),
            Route(f"{prefix}/version", version, methods=["GET"]),
            Route(f"{prefix}/metrics/prometheus", metrics, methods=["GET"]),
        )
    ]


def build_port_app(
    routes: Sequence[BaseRoute],
    service: PortService,
    *,
    on_close: Callable[[], Awaitable[None]] | None = None,
    shared_prefixes: Sequence[str] = ("",),
) -> Starlette:
    """An ASGI app for one port: the domain's routes plus the shared endpoints.

    ``shared_prefixes`` mounts the health, version and metrics endpoints under
    more prefixes too (Kratos's admin port also answers ``/admin/health/*``,
    which its Helm chart probes).
    """

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, Any]]:
        yield {"service": service}
        if on_close is not None:
            await on_close()

    def service_of(req: Request) -> PortService:
        svc: PortService = req.state.service
        return svc

    return Starlette(
        routes=[*_shared_routes(service_of, shared_prefixes), *routes],
        lifespan=lifespan,
        exception_handlers={
            RoostError: _on_domain_error,
            HTTPException: _on_http_error,
            Exception: _on_unexpected,
        },
    )
