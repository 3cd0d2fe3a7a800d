"""The account UI as the ``roost`` command sees it (port 4455, as Ory's reference UI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.types import ASGIApp

from roost.account.config import SPEC, AccountConfig
from roost.account.errors import ERRORS
from roost.account.pages import routes
from roost.account.service import AccountService, build
from roost.core.http import build_port_app
from roost.runtime.module import BuildContext, Port, ServiceModule
from roost.storage.database import Database
from roost.storage.migrate import Migrator


def _defaults(_data_dir: Path) -> dict[str, Any]:
    return {}


def _ports(cfg: AccountConfig) -> list[Port]:
    return [Port("public", cfg.host, cfg.port)]


async def _build(
    cfg: AccountConfig, db: Database, migrator: Migrator, _ctx: BuildContext
) -> AccountService:
    return build(cfg, db, migrator)


def _apps(service: AccountService) -> dict[str, ASGIApp]:
    return {"public": build_port_app(routes(service.site), service, ERRORS)}


MODULE: ServiceModule[AccountConfig, AccountService] = ServiceModule(
    name="account",
    ory_name="account",
    spec=SPEC,
    migrations=(),
    defaults=_defaults,
    secrets=(),
    config=AccountConfig.from_values,
    ports=_ports,
    build=_build,
    apps=_apps,
)
