"""Kratos's errors that carry an ``id`` or fields beside the ``error`` envelope.

Kratos (herodot) adds ``error.id`` (``self_service_flow_expired``,
``session_already_available``...) and, for some errors, top-level fields
such as ``use_flow_id`` and ``expired_at``. Plain domain errors are rendered
by ``roost.core.http``; these are rendered by :func:`render` through the
:func:`kratos_errors` wrapper that every identity endpoint uses.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from roost.core.errors import Invalid, RoostError
from roost.core.http import JSON, error_body, url_has_nul

Endpoint = Callable[[Request], Awaitable[Response]]


class KratosError(RoostError):
    """A domain error with Kratos's error id and optional top-level extras."""

    def __init__(
        self,
        status: int,
        error_id: str | None,
        reason: str,
        *,
        message: str | None = None,
        details: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(reason, message=message, details=details)
        self.status = status
        self.error_id = error_id
        self.extra = extra or {}


GONE = (
    "The requested resource is no longer available because it has expired or is otherwise invalid."
)
UNAUTHORIZED = "The request could not be authorized"


def unauthorized(reason: str = "No valid session credentials found in the request.") -> KratosError:
    return KratosError(401, None, reason, message=UNAUTHORIZED)


def render(exc: KratosError) -> JSON:
    body = error_body(exc.status, exc.message, exc.reason, details=exc.details)
    if exc.error_id:
        body["error"] = {"id": exc.error_id, **body["error"]}
    body.update(exc.extra)
    return JSON(body, status_code=exc.status)


def kratos_errors(fn: Endpoint) -> Endpoint:
    @functools.wraps(fn)
    async def wrapper(request: Request) -> Response:
        if url_has_nul(request):  # would fail in SQL; bad input instead
            raise Invalid("The request URL must not contain NUL characters.")
        try:
            return await fn(request)
        except KratosError as exc:
            return render(exc)

    return wrapper
