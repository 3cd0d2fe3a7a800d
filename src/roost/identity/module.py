"""The identity service as the ``roost`` command sees it (Kratos's ports 4433/4434)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.types import ASGIApp

from roost.core.config import get
from roost.core.http import build_port_app
from roost.identity.config import SPEC, IdentityConfig
from roost.identity.http.admin import admin_routes
from roost.identity.http.errors import ERRORS
from roost.identity.http.public import public_routes
from roost.identity.migrations import MIGRATIONS
from roost.identity.service import IdentityService, build
from roost.runtime.module import BuildContext, Port, ServiceModule
from roost.storage.database import Database
from roost.storage.migrate import Migrator


def _defaults(data_dir: Path) -> dict[str, Any]:
    """Dev defaults: SQLite in the data folder and the shipped ``default`` schema."""
    return {"dsn": f"sqlite:///{(data_dir / 'identity.sqlite').resolve()}"}


def _config(values: dict[str, Any]) -> IdentityConfig:
    return IdentityConfig.from_values(
        values, generated_secret=(get(values, "secrets.default") or [""])[0]
    )


def _ports(cfg: IdentityConfig) -> list[Port]:
    return [
        Port("public", cfg.public.host, cfg.public.port),
        Port("admin", cfg.admin.host, cfg.admin.port),
    ]


async def _build(
    cfg: IdentityConfig, db: Database, migrator: Migrator, ctx: BuildContext
) -> IdentityService:
    return await build(cfg, db, migrator, ctx.base_dir, watch_courier="watch-courier" in ctx.flags)


def _apps(service: IdentityService) -> dict[str, ASGIApp]:
    return {
        "public": build_port_app(public_routes, service, ERRORS),
        "admin": build_port_app(admin_routes, service, ERRORS, shared_prefixes=("", "/admin")),
    }


MODULE: ServiceModule[IdentityConfig, IdentityService] = ServiceModule(
    name="identity",
    ory_name="kratos",
    spec=SPEC,
    migrations=MIGRATIONS,
    defaults=_defaults,
    secrets=("default",),
    config=_config,
    ports=_ports,
    build=_build,
    apps=_apps,
)
