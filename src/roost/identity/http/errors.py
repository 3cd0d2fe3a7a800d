"""The identity service's one error table: every error in Kratos's herodot shape."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from roost.core.errors import RoostError
from roost.core.http import JSON, ErrorTable, error_body, message_of, status_of
from roost.core.http.errors import allow_header
from roost.identity.errors import KratosError


def status(exc: RoostError) -> int:
    return exc.status if isinstance(exc, KratosError) else status_of(exc)


def body(exc: RoostError) -> dict[str, Any]:
    """herodot's body, with Kratos's ``error.id`` and top-level extras where the error has them."""
    out = error_body(status(exc), message_of(exc), exc.reason, details=exc.details)
    if isinstance(exc, KratosError):
        if exc.error_id:
            out["error"] = {"id": exc.error_id, **out["error"]}
        out.update(exc.extra)
    return out


def render(exc: RoostError) -> Response:
    return JSON(body(exc), status_code=status(exc), headers=allow_header(exc))


ERRORS = ErrorTable({RoostError: render})
