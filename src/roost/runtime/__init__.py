"""What every service is made of, standing above ``core`` and ``storage``.

A service package declares one :class:`ServiceModule` (config, ports,
migrations, how to build its registry and its port apps) and one
:class:`Service` subclass (the registry). The ``roost`` command knows services
only through their modules, listed once in ``roost.cli.services``.
"""

from roost.runtime.module import (
    BuildContext,
    Port,
    RunningService,
    ServiceModule,
    migrator,
    open_service,
    start,
)
from roost.runtime.service import Service

__all__ = [
    "BuildContext",
    "Port",
    "RunningService",
    "Service",
    "ServiceModule",
    "migrator",
    "open_service",
    "start",
]
