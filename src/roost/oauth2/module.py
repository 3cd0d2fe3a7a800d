"""The OAuth2 service as the ``roost`` command sees it (Hydra's ports 4444/4445)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.types import ASGIApp

from roost.core.http import build_port_app
from roost.oauth2.config import SPEC, OAuth2Config
from roost.oauth2.http.admin import admin_routes
from roost.oauth2.http.errors import error_table
from roost.oauth2.http.public import public_routes
from roost.oauth2.migrations import MIGRATIONS
from roost.oauth2.service import OAuth2Service, build
from roost.runtime.module import BuildContext, Port, ServiceModule
from roost.storage.database import Database
from roost.storage.migrate import Migrator


def _defaults(data_dir: Path) -> dict[str, Any]:
    return {"dsn": f"sqlite:///{(data_dir / 'oauth2.sqlite').resolve()}"}


def _ports(cfg: OAuth2Config) -> list[Port]:
    return [
        Port("public", cfg.public.host, cfg.public.port),
        Port("admin", cfg.admin.host, cfg.admin.port),
    ]


async def _build(
    cfg: OAuth2Config, db: Database, migrator: Migrator, _ctx: BuildContext
) -> OAuth2Service:
    return build(cfg, db, migrator)


def _apps(service: OAuth2Service) -> dict[str, ASGIApp]:
    debug = service.config.expose_internal_errors
    admin = error_table(expose_debug=debug, admin=True)
    return {
        "public": build_port_app(public_routes, service, error_table(expose_debug=debug)),
        "admin": build_port_app(admin_routes, service, admin, shared_prefixes=("", "/admin")),
    }


MODULE: ServiceModule[OAuth2Config, OAuth2Service] = ServiceModule(
    name="oauth2",
    ory_name="hydra",
    spec=SPEC,
    migrations=MIGRATIONS,
    defaults=_defaults,
    secrets=("system",),
    config=OAuth2Config.from_values,
    ports=_ports,
    build=_build,
    apps=_apps,
)
