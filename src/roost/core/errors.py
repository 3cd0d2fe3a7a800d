"""Domain errors, free of HTTP.

The tree::

    RoostError
     ├── Invalid            the request is malformed
     ├── Unauthorized       no valid credentials came with the request
     ├── Forbidden          the caller may not do this
     ├── NotFound           the thing does not exist
     ├── MethodNotAllowed   the path exists, the method does not (carries ``allowed``)
     ├── Conflict           a uniqueness rule would be broken
     ├── Gone               the thing existed but expired or was used
     ├── PayloadTooLarge    the body is over the limit
     ├── ConcurrentUpdate   retries on serialization failures ran out
     └── Unavailable        a dependency (the database) cannot be reached

    ConfigError             start-up configuration is wrong (never reaches HTTP)

Each service's ``http/errors.py`` holds the one table that turns these into a
status and Ory's body for that service; ``roost.core.http.errors`` has the
shared pieces of that table (herodot's shape and the usual statuses).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class RoostError(Exception):
    """Base of all domain errors; ``reason`` is the human detail Ory puts in ``error.reason``.

    ``message`` overrides the generic sentence the service's error table
    chooses for the class (Ory's ``error.message``).
    """

    def __init__(
        self,
        reason: str = "",
        *,
        message: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(reason or message or type(self).__name__)
        self.reason = reason
        self.message = message
        self.details = details or {}


class Invalid(RoostError):
    pass


class Unauthorized(RoostError):
    pass


class Forbidden(RoostError):
    pass


class NotFound(RoostError):
    pass


class MethodNotAllowed(RoostError):
    def __init__(self, allowed: Sequence[str]) -> None:
        super().__init__(f"The method is not allowed; use {', '.join(allowed)}.")
        self.allowed = tuple(allowed)


class Conflict(RoostError):
    pass


class Gone(RoostError):
    pass


class PayloadTooLarge(RoostError):
    pass


class ConcurrentUpdate(RoostError):
    pass


class Unavailable(RoostError):
    pass


class ConfigError(Exception):
    """Start-up configuration is wrong; the message names the offending key."""
