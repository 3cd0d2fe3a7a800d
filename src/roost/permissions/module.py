"""The permission service as the ``roost`` command sees it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from roost.core.config import get
from roost.core.http import build_port_app
from roost.core.secrets import with_secrets
from roost.core.service import BuildContext, Port, RunningService, ServiceModule
from roost.permissions.config import SEED_NAMESPACES, SPEC, PermissionsConfig
from roost.permissions.http.opl import opl_routes
from roost.permissions.http.read import read_routes
from roost.permissions.http.write import write_routes
from roost.permissions.migrations import MIGRATIONS
from roost.permissions.service import build
from roost.storage.database import Database
from roost.storage.migrate import Migrator


def defaults(data_dir: Path) -> dict[str, Any]:
    return {
        "dsn": f"sqlite:///{(data_dir / 'permissions.sqlite').resolve()}",
        "namespaces": SEED_NAMESPACES,
    }


def prepare(values: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    return with_secrets(values, data_dir, "pagination", "permissions.pagination")


def _config(values: dict[str, Any]) -> PermissionsConfig:
    secrets = get(values, "secrets.pagination") or ["unset-pagination-secret-for-migrations"]
    return PermissionsConfig.from_values(values, pagination_secret=secrets[0])


def ports(values: dict[str, Any]) -> list[Port]:
    cfg = _config(values)
    return [
        Port("read", cfg.read.host, cfg.read.port),
        Port("write", cfg.write.host, cfg.write.port),
        Port("opl", cfg.opl.host, cfg.opl.port),
    ]


def migrator(values: dict[str, Any]) -> Migrator:
    return Migrator(Database(_config(values).dsn), "permissions", MIGRATIONS)


async def build_running(values: dict[str, Any], ctx: BuildContext) -> RunningService:
    service = await build(_config(values), ctx.base_dir, automigrate=ctx.automigrate)
    return RunningService(
        "permissions",
        {
            "read": build_port_app(read_routes, service),
            "write": build_port_app(write_routes, service),
            "opl": build_port_app(opl_routes, service),
        },
        service.close,
    )


MODULE = ServiceModule(
    name="permissions",
    spec=SPEC,
    defaults=defaults,
    ports=ports,
    migrator=migrator,
    build=build_running,
    prepare=prepare,
)
