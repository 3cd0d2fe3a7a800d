"""The permission service's registry: built once at start-up, handed to every port.

It owns the database, the tuple store, the namespaces and the engines. Until
the schema is migrated (for example while a Helm migration job runs) the
service answers 503 and its readiness probe says why; the probe itself
notices when migrations have landed and finishes start-up then.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from roost.core.errors import Unavailable
from roost.core.pagination import PageTokens
from roost.core.service import readiness
from roost.permissions.check.engine import CheckEngine, Limits
from roost.permissions.config import PermissionsConfig
from roost.permissions.expand.engine import ExpandEngine
from roost.permissions.migrations import MIGRATIONS
from roost.permissions.namespaces.manager import Namespaces, load_namespaces, watch
from roost.permissions.sql.store import TupleStore, ensure_network
from roost.storage.database import Database
from roost.storage.migrate import Migrator

log = logging.getLogger("roost.permissions")


@dataclass
class Counters:
    checks: int = 0
    writes: int = 0


@dataclass
class PermissionService:
    config: PermissionsConfig
    db: Database
    namespaces: Namespaces
    migrator: Migrator
    pages: PageTokens
    counters: Counters = field(default_factory=Counters)
    _store: TupleStore | None = None
    _checker: CheckEngine | None = None
    _expander: ExpandEngine | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _watcher: asyncio.Task[None] | None = None

    @property
    def store(self) -> TupleStore:
        if self._store is None:
            raise Unavailable("the permission service's database schema is not migrated yet")
        return self._store

    @property
    def checker(self) -> CheckEngine:
        if self._checker is None:
            raise Unavailable("the permission service's database schema is not migrated yet")
        return self._checker

    @property
    def expander(self) -> ExpandEngine:
        if self._expander is None:
            raise Unavailable("the permission service's database schema is not migrated yet")
        return self._expander

    async def start(self) -> bool:
        """Finish start-up if the schema is current; True when the service can serve."""
        async with self._lock:
            if self._store is not None:
                return True
            if await self.migrator.pending():
                return False
            nid = await ensure_network(self.db)
            self._store = TupleStore(self.db, nid)
            limits = Limits(
                self.config.max_read_depth, self.config.max_read_width, self.config.strict_mode
            )
            self._checker = CheckEngine(self._store, self.namespaces, limits)
            self._expander = ExpandEngine(self._store, self.config.max_read_depth)
            return True

    async def ready_errors(self) -> dict[str, str]:
        return await readiness(self.db, self.start)

    def metrics(self) -> dict[str, float]:
        return {
            "roost_permissions_checks_total": self.counters.checks,
            "roost_permissions_writes_total": self.counters.writes,
            "roost_sql_queries_total": self.db.queries,
        }

    def watch_namespaces(self, base_dir: Path) -> None:
        """Reload namespaces when their file changes (for the life of this worker)."""
        self._watcher = asyncio.create_task(
            watch(self.namespaces, self.config.namespaces, base_dir)
        )

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
        await self.db.close()


async def build(
    config: PermissionsConfig, base_dir: Path, *, automigrate: bool
) -> PermissionService:
    """Connect, optionally migrate, and assemble the service."""
    db = Database(config.dsn)
    migrator = Migrator(db, "permissions", MIGRATIONS)
    if automigrate:
        applied = await migrator.up()
        if applied:
            log.info("permissions: applied %d migration(s)", len(applied))
    service = PermissionService(
        config=config,
        db=db,
        namespaces=load_namespaces(config.namespaces, base_dir),
        migrator=migrator,
        pages=PageTokens(config.pagination_secrets, "keto-pagination"),
    )
    service.watch_namespaces(base_dir)
    try:
        await service.start()
    except Unavailable:
        log.warning("permissions: the database is unreachable; not ready until it answers")
    return service
