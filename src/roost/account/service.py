"""The account UI's registry: one pooled HTTP client and the pages' :class:`Site`.

The UI stores nothing; its only parts are the two remote APIs, so it is
ready as soon as it starts (the in-memory database exists for the shared
start-up steps alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from roost.account.clients import HttpIdentity, HttpOAuth2Admin
from roost.account.config import AccountConfig
from roost.account.pages import Site
from roost.runtime.service import Service
from roost.storage.database import Database
from roost.storage.migrate import Migrator


@dataclass(kw_only=True)
class AccountService(Service[Site]):
    config: AccountConfig
    http: httpx.AsyncClient = field(repr=False)
    site: Site = field(repr=False)

    async def assemble(self) -> Site:
        return self.site

    async def close(self) -> None:
        try:
            await self.http.aclose()
        finally:
            await super().close()


def build(cfg: AccountConfig, db: Database, migrator: Migrator) -> AccountService:
    http = httpx.AsyncClient(timeout=10, follow_redirects=False)
    site = Site(
        identity=HttpIdentity(http, cfg.identity_public),
        oauth2=HttpOAuth2Admin(http, cfg.oauth2_admin),
        identity_browser=cfg.identity_browser,
        base_url=cfg.base_url,
        theme_dir=cfg.theme_dir,
        language=cfg.language,
        remember_me=cfg.remember_me,
    )
    return AccountService(db=db, migrator=migrator, config=cfg, http=http, site=site)
