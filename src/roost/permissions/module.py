"""The permission service as the ``roost`` command sees it (Keto's ports 4466/4467/4469)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.types import ASGIApp

from roost.core.config import get
from roost.core.http import HERODOT, build_port_app
from roost.permissions.config import SEED_NAMESPACES, SPEC, PermissionsConfig
from roost.permissions.grpc.ports import port_handlers
from roost.permissions.http.lookup import lookup_routes
from roost.permissions.http.opl import opl_routes
from roost.permissions.http.read import read_routes
from roost.permissions.http.write import write_routes
from roost.permissions.migrations import MIGRATIONS
from roost.permissions.service import PermissionService, build
from roost.runtime.module import BuildContext, Port, ServiceModule
from roost.storage.database import Database
from roost.storage.migrate import Migrator


def _defaults(data_dir: Path) -> dict[str, Any]:
    return {
        "dsn": f"sqlite:///{(data_dir / 'permissions.sqlite').resolve()}",
        "namespaces": SEED_NAMESPACES,
    }


def _config(values: dict[str, Any]) -> PermissionsConfig:
    return PermissionsConfig.from_values(
        values, pagination_secret=(get(values, "secrets.pagination") or [""])[0]
    )


def _ports(cfg: PermissionsConfig) -> list[Port]:
    return [
        Port("read", cfg.read.host, cfg.read.port),
        Port("write", cfg.write.host, cfg.write.port),
        Port("opl", cfg.opl.host, cfg.opl.port),
    ]


async def _build(
    cfg: PermissionsConfig, db: Database, migrator: Migrator, ctx: BuildContext
) -> PermissionService:
    return await build(cfg, db, migrator, ctx.base_dir)


def _apps(service: PermissionService) -> dict[str, ASGIApp]:
    return {
        "read": build_port_app([*read_routes, *lookup_routes], service, HERODOT),
        "write": build_port_app(write_routes, service, HERODOT),
        "opl": build_port_app(opl_routes, service, HERODOT),
    }


MODULE: ServiceModule[PermissionsConfig, PermissionService] = ServiceModule(
    name="permissions",
    ory_name="keto",
    spec=SPEC,
    migrations=MIGRATIONS,
    defaults=_defaults,
    secrets=("pagination",),
    config=_config,
    ports=_ports,
    build=_build,
    apps=_apps,
    grpc=port_handlers,
)
