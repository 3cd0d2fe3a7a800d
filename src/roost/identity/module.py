"""The identity service as the ``roost`` command sees it (ports 4433 public, 4434 admin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from roost.core.config import get
from roost.core.http import build_port_app
from roost.core.secrets import with_secrets
from roost.core.service import BuildContext, Port, RunningService, ServiceModule
from roost.identity.config import SPEC, IdentityConfig
from roost.identity.http.admin import admin_routes
from roost.identity.http.public import public_routes
from roost.identity.migrations import MIGRATIONS
from roost.identity.service import build
from roost.storage.database import Database
from roost.storage.migrate import Migrator


def defaults(data_dir: Path) -> dict[str, Any]:
    """Dev defaults: SQLite in the data folder and the shipped ``default`` schema."""
    return {"dsn": f"sqlite:///{(data_dir / 'identity.sqlite').resolve()}"}


def prepare(values: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    return with_secrets(values, data_dir, "default", "identity.default")


def config_of(values: dict[str, Any]) -> IdentityConfig:
    secrets = get(values, "secrets.default") or ["unset-identity-secret-for-migrations"]
    return IdentityConfig.from_values(values, generated_secret=secrets[0])


def ports(values: dict[str, Any]) -> list[Port]:
    cfg = config_of(values)
    return [
        Port("public", cfg.public.host, cfg.public.port),
        Port("admin", cfg.admin.host, cfg.admin.port),
    ]


def migrator(values: dict[str, Any]) -> Migrator:
    return Migrator(Database(config_of(values).dsn), "identity", MIGRATIONS)


async def build_running(values: dict[str, Any], ctx: BuildContext) -> RunningService:
    service = await build(config_of(values), ctx.base_dir, automigrate=ctx.automigrate)
    return RunningService(
        "identity",
        {
            "public": build_port_app(public_routes, service),
            "admin": build_port_app(admin_routes, service, shared_prefixes=("", "/admin")),
        },
        service.close,
    )


MODULE = ServiceModule(
    name="identity",
    spec=SPEC,
    defaults=defaults,
    ports=ports,
    migrator=migrator,
    build=build_running,
    prepare=prepare,
)
