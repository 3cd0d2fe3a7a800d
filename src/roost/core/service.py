"""What every service module gives the ``roost`` command: ports to serve and a migrator.

A service module (``roost.permissions.module``, ...) exposes a
:class:`ServiceModule`; the CLI resolves configuration, then asks the module
to build a :class:`RunningService` in each worker process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp

from roost.core.config import ConfigSpec
from roost.storage.database import Database
from roost.storage.migrate import Migrator


@dataclass(frozen=True)
class Port:
    """One listener: a name for logs (``read``, ``admin``…), where to bind, the app."""

    name: str
    host: str
    port: int


@dataclass
class RunningService:
    name: str
    apps: dict[str, ASGIApp]
    close: Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class BuildContext:
    """What a service needs besides its own config values."""

    data_dir: Path
    base_dir: Path
    automigrate: bool


@dataclass(frozen=True)
class ServiceModule:
    name: str
    spec: ConfigSpec
    defaults: Callable[[Path], dict[str, Any]]
    """Dev defaults for ``roost serve`` without a config (SQLite in the data folder)."""
    ports: Callable[[dict[str, Any]], list[Port]]
    migrator: Callable[[dict[str, Any]], Migrator]
    build: Callable[[dict[str, Any], BuildContext], Awaitable[RunningService]]
    prepare: Callable[[dict[str, Any], Path], dict[str, Any]]
    """Fill in generated secrets (runs once in the parent process, before workers fork)."""


async def readiness(db: Database, start: Callable[[], Awaitable[bool]]) -> dict[str, str]:
    """Ory's readiness rule: the database answers and the schema is current.

    ``start`` finishes a service's start-up once migrations have landed (a
    migration job may run after the pods start) and says whether it could.
    """
    try:
        if not await db.ping():
            return {"database": "the database cannot be reached"}
        if not await start():
            return {"migrations": "database migrations are pending; run `roost migrate up`"}
    except Exception as exc:
        return {"database": type(exc).__name__}
    return {}
