"""The one helper that turns a domain's routes into a port's ASGI app.

Every port gets the same pieces: the service's error table as the app's only
exception handlers, ``/health/alive``, ``/health/ready``, ``/version`` and
``/metrics/prometheus``. A domain's service object reaches handlers through
lifespan state (``request.state.service``); nothing is global.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from roost import __version__
from roost.core.errors import Invalid, MethodNotAllowed, NotFound, RoostError
from roost.core.http.bodies import JSON
from roost.core.http.errors import ErrorTable
from roost.core.http.routing import route

log = logging.getLogger("roost.http")


class PortService(Protocol):
    """What the shared endpoints need from a service."""

    async def ready_errors(self) -> dict[str, str]: ...

    def exposition(self) -> str:
        """The service's metrics in Prometheus's text format."""
        ...


def _as_domain_error(exc: HTTPException) -> RoostError:
    """Starlette's own errors (no route matched, bad method) as domain errors."""
    if exc.status_code == 404:
        return NotFound()
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return MethodNotAllowed([m.strip() for m in allowed.split(",") if m.strip()])
    return Invalid(str(exc.detail))


def _handlers(table: ErrorTable) -> dict[Any, Callable[[Request, Exception], Awaitable[Response]]]:
    """Starlette exception handlers that all answer through ``table``."""

    async def known(_req: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            exc = _as_domain_error(exc)
        response = table.render(exc)
        if response is None:
            return await unexpected(_req, exc)
        return response

    async def unexpected(_req: Request, exc: Exception) -> Response:
        log.error("unhandled error: %s", type(exc).__name__, exc_info=exc)
        return table.internal()

    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        cls: known for cls in table.renderers
    }
    handlers[HTTPException] = known
    handlers[Exception] = unexpected
    return handlers


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
        text = service_of(req).exposition()
        return Response(text, media_type="text/plain; version=0.0.4")

    return [
        shared
        for prefix in prefixes
        for shared in (
            route(f"{prefix}/health/alive", GET=alive),
            route(f"{prefix}/health/ready", GET=ready),
            route(f"{prefix}/version", GET=version),
            route(f"{prefix}/metrics/prometheus", GET=metrics),
        )
    ]


def build_port_app(
    routes: Sequence[BaseRoute],
    service: PortService,
    errors: ErrorTable,
    *,
    shared_prefixes: Sequence[str] = ("",),
) -> Starlette:
    """An ASGI app for one port: the domain's routes plus the shared endpoints.

    ``errors`` is the service's one error table. ``shared_prefixes`` mounts the
    health, version and metrics endpoints under more prefixes too (Kratos's
    admin port also answers ``/admin/health/*``, which its Helm chart probes).
    """

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, Any]]:
        yield {"service": service}

    def service_of(req: Request) -> PortService:
        svc: PortService = req.state.service
        return svc

    return Starlette(
        routes=[*_shared_routes(service_of, shared_prefixes), *routes],
        lifespan=lifespan,
        exception_handlers=_handlers(errors),
    )
