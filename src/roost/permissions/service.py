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
from roost.permissions.namespaces.manager import Namespaces, load_namespaces, watch
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


@dataclass(kw_only=True)
class PermissionService(Service[PermissionParts]):
    config: PermissionsConfig
    namespaces: Namespaces
    pages: PageTokens
    base_dir: Path
    counters: Counters = field(default_factory=Counters)

    async def assemble(self) -> PermissionParts:
        store = TupleStore(self.db, await ensure_network(self.db))
        cfg = self.config
        limits = Limits(cfg.max_read_depth, cfg.max_read_width, cfg.strict_mode)
        return PermissionParts(
            store=store,
            checker=CheckEngine(store, self.namespaces, limits),
            expander=ExpandEngine(store, cfg.max_read_depth),
        )

    def metrics(self) -> dict[str, float]:
        return {
            **super().metrics(),
            "roost_permissions_checks_total": self.counters.checks,
            "roost_permissions_writes_total": self.counters.writes,
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
