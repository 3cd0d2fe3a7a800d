"""The registry base every service extends.

A service's registry is built once per worker from its typed config and
handed to each port's app through lifespan state. What needs the migrated
schema (stores, engines: the service's *parts*) is assembled by the
subclass's :meth:`Service.assemble`, once, when the schema is current: at
start-up, or later when a migration job lands while the pods already run (the
readiness probe and the first request both notice). Until then every handler
answers 503 and the readiness probe says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from prometheus_client import CollectorRegistry, generate_latest

from roost.core.errors import Unavailable
from roost.storage.database import Database
from roost.storage.migrate import Migrator

P = TypeVar("P")
log = logging.getLogger("roost.runtime")


@dataclass(kw_only=True)
class Service(Generic[P]):
    """Database, migrator, parts assembled once, background tasks stopped on close."""

    db: Database
    migrator: Migrator
    _parts: P | None = field(default=None, init=False, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list, init=False, repr=False)
    registry: CollectorRegistry = field(default_factory=CollectorRegistry, init=False, repr=False)
    """This worker's Prometheus registry (request metrics, roost.runtime.observe)."""

    async def assemble(self) -> P:
        """Build the parts that need the migrated schema (runs once)."""
        raise NotImplementedError

    async def begin(self, parts: P) -> None:
        """Start what runs beside the parts (background loops); runs once, after assemble."""

    @property
    def ready(self) -> P:
        """The parts; 503 while the schema is not migrated yet."""
        if self._parts is None:
            name = self.migrator.service
            raise Unavailable(f"the {name} service's database schema is not migrated yet")
        return self._parts

    async def parts(self) -> P:
        """The parts, finishing start-up first if the migrations landed since."""
        if self._parts is None:
            await self.start()
        return self.ready

    async def start(self) -> bool:
        """Finish start-up if the schema is current; True when the service can serve."""
        if self._parts is not None:
            return True
        async with self._lock:
            if self._parts is not None:
                return True
            if await self.migrator.pending():
                return False
            parts = await self.assemble()
            self._parts = parts
            await self.begin(parts)
            return True

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` for the life of this worker; it is cancelled on close."""
        self._tasks.append(asyncio.create_task(work))

    async def ready_errors(self) -> dict[str, str]:
        """Ory's readiness rule: the database answers and the schema is current."""
        try:
            if not await self.db.ping():
                return {"database": "the database cannot be reached"}
            if not await self.start():
                return {"migrations": "database migrations are pending; run `roost migrate up`"}
        except Exception as exc:
            return {"database": type(exc).__name__}
        return {}

    def metrics(self) -> dict[str, float]:
        """Counters for ``/metrics/prometheus``; subclasses add their own."""
        return {
            "roost_sql_queries_total": self.db.queries,
            "roost_sql_retries_total": self.db.retries,
            **self.db.pool_use(),
        }

    def exposition(self) -> str:
        """``/metrics/prometheus``: :meth:`metrics` and the request metrics, in
        Prometheus's text format."""
        lines = [f"{name} {value}" for name, value in sorted(self.metrics().items())]
        return "\n".join(lines) + "\n" + generate_latest(self.registry).decode()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.db.close()
