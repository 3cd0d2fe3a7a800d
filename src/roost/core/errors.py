"""Domain errors, free of HTTP.

The tree::

    RoostError
     ├── Invalid            the request is malformed (400)
     ├── NotFound           the thing does not exist (404)
     ├── Forbidden          the caller may not do this (403)
     ├── Conflict           a uniqueness rule would be broken (409)
     ├── Gone               the thing existed but expired (410)
     ├── PayloadTooLarge    the body is over the limit (413)
     ├── ConcurrentUpdate   retries on serialization failures ran out (400, as Ory)
     └── Unavailable        a dependency (the database) cannot be reached (503)

``roost.core.http`` is the one place that maps these to Ory's JSON error shape.
"""

from __future__ import annotations

from typing import Any


class RoostError(Exception):
    """Base of all domain errors; ``reason`` is the human detail Ory puts in ``error.reason``."""

    status = 500
    default_message = "An internal server error occurred, please contact the system administrator"

    def __init__(
        self,
        reason: str = "",
        *,
        message: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(reason or message or self.default_message)
        self.reason = reason
        self.message = message or self.default_message
        self.details = details or {}


class Invalid(RoostError):
    status = 400
    default_message = "The request was malformed or contained invalid parameters"


class NotFound(RoostError):
    status = 404
    default_message = "The requested resource could not be found"


class Forbidden(RoostError):
    status = 403
    default_message = "The requested action was forbidden"


class Conflict(RoostError):
    status = 409
    default_message = (
        "Unable to insert or update resource because a resource with that value exists already"
    )


class Gone(RoostError):
    status = 410
    default_message = "The requested resource is no longer available"


class PayloadTooLarge(RoostError):
    status = 413
    default_message = "The request body is too large"


class ConcurrentUpdate(RoostError):
    status = 400
    default_message = "Unable to serialize access due to a concurrent update in another session"


class Unavailable(RoostError):
    status = 503
    default_message = "A dependency of this service is unavailable"


class ConfigError(Exception):
    """Start-up configuration is wrong; the message names the offending key."""
