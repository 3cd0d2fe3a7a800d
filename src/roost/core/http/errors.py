"""The shared half of every service's error table.

A service's ``http/errors.py`` builds one :class:`ErrorTable`: for each
exception class it handles, a function that renders it. The port-app helper
registers that table as the app's only exception handlers, so a handler
never chooses an error shape itself. This module supplies the pieces most
tables are made of: herodot's ``{"error": {...}}`` body (Keto and Kratos) and
the status Ory gives each domain error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

from roost.core.errors import (
    ConcurrentUpdate,
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RoostError,
    Unauthorized,
    Unavailable,
)
from roost.core.http.bodies import JSON

Render = Callable[[Any], Response]
INTERNAL = "An internal server error occurred, please contact the system administrator"

STATUS: Mapping[type[RoostError], int] = {
    RoostError: 500,
    Invalid: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    MethodNotAllowed: 405,
    Conflict: 409,
    Gone: 410,
    PayloadTooLarge: 413,
    ConcurrentUpdate: 400,  # as Ory: retries ran out, the client may try again
    Unavailable: 503,
}
"""Ory's status for each domain error; the most specific class wins."""

MESSAGE: Mapping[type[RoostError], str] = {
    RoostError: INTERNAL,
    Invalid: "The request was malformed or contained invalid parameters",
    Unauthorized: "The request could not be authorized",
    Forbidden: "The requested action was forbidden",
    NotFound: "The requested resource could not be found",
    MethodNotAllowed: "Method Not Allowed",
    Conflict: (
        "Unable to insert or update resource because a resource with that value exists already"
    ),
    Gone: "The requested resource is no longer available",
    PayloadTooLarge: "The request body is too large",
    ConcurrentUpdate: "Unable to serialize access due to a concurrent update in another session",
    Unavailable: "A dependency of this service is unavailable",
}
"""herodot's generic sentence (``error.message``) for each domain error."""


def lookup(table: Mapping[type[Any], Any], exc: BaseException) -> Any:
    """The entry for the most specific class of ``exc`` in ``table`` (None when none)."""
    for cls in type(exc).__mro__:
        if cls in table:
            return table[cls]
    return None


def status_of(exc: RoostError) -> int:
    status: int = lookup(STATUS, exc)
    return status


def message_of(exc: RoostError) -> str:
    return exc.message or str(lookup(MESSAGE, exc))


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


def allow_header(exc: RoostError) -> dict[str, str]:
    """``Allow`` for a 405, nothing otherwise."""
    if isinstance(exc, MethodNotAllowed):
        return {"Allow": ", ".join(exc.allowed)}
    return {}


def herodot(exc: RoostError) -> Response:
    """A domain error in herodot's shape (Keto and Kratos)."""
    status = status_of(exc)
    body = error_body(status, message_of(exc), exc.reason, details=exc.details)
    return JSON(body, status_code=status, headers=allow_header(exc))


def herodot_internal() -> Response:
    return JSON(error_body(500, INTERNAL), status_code=500)


@dataclass(frozen=True)
class ErrorTable:
    """One service's rendering of errors: exception class to response.

    ``internal`` answers anything the table does not name (after it is logged).
    """

    renderers: Mapping[type[Exception], Render]
    internal: Callable[[], Response] = herodot_internal

    def render(self, exc: Exception) -> Response | None:
        renderer: Render | None = lookup(self.renderers, exc)
        return None if renderer is None else renderer(exc)


HERODOT = ErrorTable({RoostError: herodot})
"""The table of a service whose every error is herodot-shaped (Keto)."""
