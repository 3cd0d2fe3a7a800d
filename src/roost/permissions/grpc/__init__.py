"""Keto's gRPC API (``ory.keto.relation_tuples.v1alpha2``, ``ory.keto.opl.v1alpha1``).

:func:`port_handlers` gives each port Keto's split: the read port serves
read, check, expand and namespaces; the write port serves write; the OPL
port serves the syntax check; every port also serves the version service,
the gRPC health service and server reflection. ``gen/`` is generated from
``proto/`` by ``scripts/gen_grpc.py``; see docs/decisions.
"""

from __future__ import annotations

from typing import Any

from grpclib.health.service import Health
from grpclib.reflection.service import ServerReflection

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
        "read": [Read(service), Check(service), Expand(service), Namespaces(service)],
        "write": [Write(service)],
        "opl": [Syntax()],
    }
    return {
        port: ServerReflection.extend([*handlers, Version(), Health()])
        for port, handlers in own.items()
    }
