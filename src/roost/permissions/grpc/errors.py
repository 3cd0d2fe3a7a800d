"""Domain errors as gRPC statuses, in the one place the gRPC handlers share.

Keto's errors carry a gRPC code beside their HTTP status (herodot's
``GRPCCodeField``); the status message is herodot's sentence for the error
and the human detail travels as a ``google.rpc.ErrorInfo`` detail (its
``reason``), as Keto sends it. Anything unexpected is logged here and
answered ``INTERNAL`` with no detail.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Mapping

from google.rpc.error_details_pb2 import ErrorInfo
from grpclib.const import Status
from grpclib.exceptions import GRPCError

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
from roost.core.http.errors import INTERNAL, lookup, message_of

log = logging.getLogger("roost.permissions.grpc")

STATUS: Mapping[type[RoostError], Status] = {
    RoostError: Status.INTERNAL,
    Invalid: Status.INVALID_ARGUMENT,
    Unauthorized: Status.UNAUTHENTICATED,
    Forbidden: Status.PERMISSION_DENIED,
    NotFound: Status.NOT_FOUND,
    MethodNotAllowed: Status.UNIMPLEMENTED,
    Conflict: Status.ALREADY_EXISTS,
    Gone: Status.NOT_FOUND,
    PayloadTooLarge: Status.RESOURCE_EXHAUSTED,
    ConcurrentUpdate: Status.INVALID_ARGUMENT,  # herodot's ErrBadRequest, as Keto's REST 400
    Unavailable: Status.UNAVAILABLE,
}
"""The gRPC code of each domain error; the most specific class wins."""


def to_grpc(exc: RoostError) -> GRPCError:
    details = [ErrorInfo(reason=exc.reason)] if exc.reason else None
    status: Status = lookup(STATUS, exc)
    return GRPCError(status, message_of(exc), details)


@contextlib.asynccontextmanager
async def translated() -> AsyncIterator[None]:
    """Run one call; domain errors become their status, others ``INTERNAL``."""
    try:
        yield
    except GRPCError:
        raise
    except RoostError as exc:
        if isinstance(exc, Unavailable) or type(exc) is RoostError:
            log.warning("gRPC call failed: %s", type(exc).__name__)
        raise to_grpc(exc) from exc
    except Exception as exc:
        log.exception("gRPC call failed")
        raise GRPCError(Status.INTERNAL, INTERNAL) from exc
