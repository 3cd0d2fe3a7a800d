"""Domain errors as gRPC statuses, in the one place the gRPC handlers share.

Keto's errors carry a gRPC code beside their HTTP status (herodot's
``GRPCCodeField``); the status message is herodot's sentence for the error
and the human detail travels as a ``google.rpc.ErrorInfo`` detail (its
``reason``), as Keto sends it. Anything unexpected is logged here and
answered ``INTERNAL`` with no detail.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import TracebackType

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


class translated:
    """Run one call; domain errors become their status, others ``INTERNAL``.

    A plain (synchronous) context manager around the awaits of a call: it is
    entered on every call, and an ``asynccontextmanager`` would build and
    drive an async generator each time.
    """

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None or isinstance(exc, GRPCError) or not isinstance(exc, Exception):
            return  # success, an answer already in gRPC terms, or a cancellation
        if isinstance(exc, RoostError):
            if isinstance(exc, Unavailable) or type(exc) is RoostError:
                log.warning("gRPC call failed: %s", type(exc).__name__)
            raise to_grpc(exc) from exc
        log.error("gRPC call failed", exc_info=exc)
        raise GRPCError(Status.INTERNAL, INTERNAL) from exc
