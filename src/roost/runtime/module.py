"""What a service package gives the ``roost`` command, and the steps shared by all.

The command resolves each service's configuration, fills in generated
secrets once in the parent process, binds the ports, then calls
:func:`start` in every worker. Everything a service differs in is a field of
its :class:`ServiceModule`; the steps themselves are written here once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from starlette.types import ASGIApp

from roost.core.config import ConfigSpec, get
from roost.core.errors import Unavailable
from roost.core.secrets import with_secrets
from roost.runtime import observe
from roost.runtime.observe import HttpMetrics
from roost.runtime.service import Service
from roost.runtime.tracing import from_config
from roost.storage.database import Database
from roost.storage.migrate import Migration, Migrator

log = logging.getLogger("roost.runtime")


class Configured(Protocol):
    """What the shared steps read from every service's typed config."""

    @property
    def dsn(self) -> str: ...


C = TypeVar("C", bound=Configured)
S = TypeVar("S", bound=Service[Any])


@dataclass(frozen=True)
class Port:
    """One listener: a name for logs (``read``, ``admin``…) and where to bind."""

    name: str
    host: str
    port: int


@dataclass(frozen=True)
class BuildContext:
    """What a service needs besides its own config values."""

    data_dir: Path
    base_dir: Path
    automigrate: bool
    flags: frozenset[str] = frozenset()
    """Switches of ``roost serve`` a service may read (``watch-courier``)."""


@dataclass
class RunningService:
    name: str
    apps: dict[str, ASGIApp]
    close: Callable[[], Awaitable[None]]
    grpc: dict[str, list[Any]] = field(default_factory=dict)
    """gRPC service handlers (grpclib) served on the same port as ``apps[name]``."""


@dataclass(frozen=True)
class ServiceModule(Generic[C, S]):
    """One service as the command sees it; adding a service is adding one of these."""

    name: str
    """Roost's name, the block in ``roost.yaml`` (``permissions``)."""
    ory_name: str
    """The Ory service it replaces, its database in ``roost provision`` (``keto``)."""
    spec: ConfigSpec
    migrations: Sequence[Migration]
    defaults: Callable[[Path], dict[str, Any]]
    """Dev defaults for ``roost serve`` without a config (SQLite in the data folder)."""
    secrets: Sequence[str]
    """Keys under ``secrets.`` generated into the data folder when not configured."""
    config: Callable[[dict[str, Any]], C]
    ports: Callable[[C], list[Port]]
    build: Callable[[C, Database, Migrator, BuildContext], Awaitable[S]]
    """Construct the registry (not yet started)."""
    apps: Callable[[S], dict[str, ASGIApp]]
    """One ASGI app per port name."""
    grpc: Callable[[S], dict[str, list[Any]]] | None = None
    """gRPC handlers per port name, multiplexed with the app on the same socket."""

    def listeners(self, values: dict[str, Any]) -> list[Port]:
        return self.ports(self.config(values))

    def prepare(self, values: dict[str, Any], data_dir: Path) -> dict[str, Any]:
        """Fill in generated secrets (runs once in the parent, before workers fork)."""
        for key in self.secrets:
            values = with_secrets(values, data_dir, key, f"{self.name}.{key}")
        return values


def migrator(module: ServiceModule[Any, Any], values: dict[str, Any]) -> Migrator:
    """The migrator of a service; needs only its DSN (no secrets)."""
    return Migrator(Database(get(values, "dsn", "memory")), module.name, module.migrations)


async def open_service(module: ServiceModule[C, S], values: dict[str, Any], ctx: BuildContext) -> S:
    """Connect, optionally migrate, and build and start the registry (in-process use too)."""
    config = module.config(values)
    # Ory's one switch that lets personal data and secrets into logs (decision 0018)
    leak = get(values, "log.leak_sensitive_values") is True
    db = Database(config.dsn, leak_sensitive_values=leak)
    schema = Migrator(db, module.name, module.migrations)
    if ctx.automigrate:
        applied = await schema.up()
        if applied:
            log.info("%s: applied %d migration(s)", module.name, len(applied))
    service = await module.build(config, db, schema, ctx)
    try:
        await service.start()
    except Unavailable:
        log.warning("%s: the database is unreachable; not ready until it answers", module.name)
    return service


async def start(
    module: ServiceModule[Any, Any], values: dict[str, Any], ctx: BuildContext
) -> RunningService:
    """The registry of one worker and its port apps."""
    service = await open_service(module, values, ctx)
    grpc = module.grpc(service) if module.grpc else {}
    tracing = from_config(get(values, "tracing"), module.name)
    apps = observe.wrap(
        module.apps(service), HttpMetrics(service.registry, module.name), tracing.tracer
    )

    async def close() -> None:
        try:
            await service.close()
        finally:
            tracing.close()

    return RunningService(module.name, apps, close, grpc)
