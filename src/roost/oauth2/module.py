"""The OAuth2 service as the ``roost`` command sees it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from roost.core.config import get
from roost.core.http import build_port_app
from roost.core.secrets import with_secrets
from roost.core.service import BuildContext, Port, RunningService, ServiceModule
from roost.oauth2.config import SPEC, OAuth2Config
from roost.oauth2.http.admin import admin_routes
from roost.oauth2.http.public import public_routes
from roost.oauth2.migrations import MIGRATIONS
from roost.oauth2.service import build
from roost.storage.database import Database
from roost.storage.migrate import Migrator


def defaults(data_dir: Path) -> dict[str, Any]:
    return {"dsn": f"sqlite:///{(data_dir / 'oauth2.sqlite').resolve()}"}


def prepare(values: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """Generate ``secrets.system`` into the data folder when none is configured."""
    return with_secrets(values, data_dir, "system", "oauth2.system")


def _config(values: dict[str, Any]) -> OAuth2Config:
    if not get(values, "secrets.system"):
        values = {**values, "secrets": {"system": ["unset-system-secret-for-migrations"]}}
    return OAuth2Config.from_values(values)


def ports(values: dict[str, Any]) -> list[Port]:
    cfg = _config(values)
    return [
        Port("public", cfg.public.host, cfg.public.port),
        Port("admin", cfg.admin.host, cfg.admin.port),
    ]


def migrator(values: dict[str, Any]) -> Migrator:
    return Migrator(Database(_config(values).dsn), "oauth2", MIGRATIONS)


async def build_running(values: dict[str, Any], ctx: BuildContext) -> RunningService:
    service = await build(_config(values), automigrate=ctx.automigrate)
    return RunningService(
        "oauth2",
        {
            "public": build_port_app(public_routes, service),
            "admin": build_port_app(admin_routes, service),
        },
        service.close,
    )


MODULE = ServiceModule(
    name="oauth2",
    spec=SPEC,
    defaults=defaults,
    ports=ports,
    migrator=migrator,
    build=build_running,
    prepare=prepare,
)
