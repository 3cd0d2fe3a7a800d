"""Kratos's errors that carry an ``id`` or fields beside the ``error`` envelope.

Kratos (herodot) adds ``error.id`` (``self_service_flow_expired``,
``session_already_available``...) and, for some errors, top-level fields
such as ``use_flow_id`` and ``expired_at``. These are protocol errors as
data: the status Kratos answers them with travels with them, and
``roost.identity.http.errors`` renders them with every other error.
"""

from __future__ import annotations

from typing import Any

from roost.core.errors import RoostError


class KratosError(RoostError):
    """A domain error with Kratos's status, error id and optional top-level extras."""

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
