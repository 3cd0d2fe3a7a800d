"""Which gRPC services (Keto's, and Roost's lookup and watch) each port serves."""

from __future__ import annotations

from typing import Any

from grpclib.health.service import Health
from grpclib.reflection.service import ServerReflection

from roost.permissions.grpc.lookup import Lookup, Watch
from roost.permissions.grpc.services import (
    Check,
    Expand,
    Namespaces,
    Read,
    Syntax,
    Version,
    Write,
)
from roost.permissions.service import PermissionService


def port_handlers(service: PermissionService) -> dict[str, list[Any]]:
    """grpclib handlers per port name (``read``, ``write``, ``opl``)."""
    own: dict[str, list[Any]] = {
        "read": [
            Read(service),
            Check(service),
            Expand(service),
            Namespaces(service),
            Lookup(service),
            Watch(service),
        ],
        "write": [Write(service)],
        "opl": [Syntax()],
    }
    return {
        port: ServerReflection.extend([*handlers, Version(), Health()])
        for port, handlers in own.items()
    }
