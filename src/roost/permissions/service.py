"""The permission service's registry: built once per worker, handed to every port.

It owns the namespaces (reloaded when their file changes) and page tokens;
its parts (the tuple store and the engines) are assembled once the schema is
current (see ``roost.runtime.service``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from roost.core.pagination import PageTokens
from roost.permissions.check.engine import CheckEngine, Limits
from roost.permissions.config import PermissionsConfig
from roost.permissions.expand.engine import ExpandEngine
from roost.permissions.lookup.engine import LookupEngine
from roost.permissions.namespaces.manager import Namespaces, load_namespaces, watch
from roost.permissions.sql.lookup import LookupSql
from roost.permissions.sql.store import TupleStore, ensure_network
from roost.runtime.service import Service
from roost.storage.database import Database
from roost.storage.migrate import Migrator


@dataclass
class Counters:
    checks: int = 0
    writes: int = 0


@dataclass(frozen=True)
class PermissionParts:
    """What needs the migrated schema."""

    store: TupleStore
    checker: CheckEngine
    expander: ExpandEngine
    lookup: LookupEngine
    lookup_store: LookupSql


@dataclass(kw_only=True)
class PermissionService(Service[PermissionParts]):
    config: PermissionsConfig
    namespaces: Namespaces
    pages: PageTokens
    base_dir: Path
    counters: Counters = field(default_factory=Counters)

    async def assemble(self) -> PermissionParts:
        nid = await ensure_network(self.db)
        store = TupleStore(self.db, nid)
        cfg = self.config
        limits = Limits(cfg.max_read_depth, cfg.max_read_width, cfg.strict_mode)
        checker = CheckEngine(store, self.namespaces, limits)
        lookup_store = LookupSql(self.db, nid)
        return PermissionParts(
            store=store,
            checker=checker,
            expander=ExpandEngine(store, cfg.max_read_depth),
            lookup=LookupEngine(
                lookup_store, self.namespaces, limits, checker.check, store.gate.current
            ),
            lookup_store=lookup_store,
        )

    async def await_token(self, snaptoken: str | None) -> None:
        """Wait until this replica has seen the write ``snaptoken`` names (``latest``: now)."""
        await (await self.parts()).store.wait_fresh(snaptoken)

    def metrics(self) -> dict[str, float]:
        return {
            **super().metrics(),
            "roost_permissions_checks_total": self.counters.checks,
            "roost_permissions_writes_total": self.counters.writes,
            **self._cache_metrics(),
        }

    def _cache_metrics(self) -> dict[str, float]:
        if self._parts is None:
            return {}
        cache = self._parts.store.cache
        return {
            "roost_permissions_check_cache_hits_total": cache.hits,
            "roost_permissions_check_cache_misses_total": cache.misses,
            "roost_permissions_check_cache_rows": cache.size,
        }


async def build(
    config: PermissionsConfig, db: Database, migrator: Migrator, base_dir: Path
) -> PermissionService:
    """The registry, with its namespaces loaded and watched for the life of the worker."""
    service = PermissionService(
        db=db,
        migrator=migrator,
        config=config,
        namespaces=load_namespaces(config.namespaces, base_dir),
        pages=PageTokens(config.pagination_secrets, "keto-pagination"),
        base_dir=base_dir,
    )
    service.spawn(watch(service.namespaces, config.namespaces, base_dir))
    return service
