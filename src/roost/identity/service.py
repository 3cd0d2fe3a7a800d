"""The identity service's registry: built once at start-up, handed to both ports.

It owns the database, the stores, the schemas, the password hasher (with its
small thread pool, so hashing never blocks the event loop) and the login
throttle. Until the schema is migrated the service answers 503 and its
readiness probe says why; the probe notices when migrations have landed.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet

from roost.core.errors import Unavailable
from roost.core.service import readiness
from roost.identity.config import IdentityConfig
from roost.identity.credentials.hashing import PasswordHasher
from roost.identity.credentials.throttle import LoginThrottle
from roost.identity.identities.model import now
from roost.identity.migrations import MIGRATIONS
from roost.identity.schemas.manager import Schemas, load_schemas
from roost.identity.sql.flows import FlowStore
from roost.identity.sql.identities import IdentityStore, ensure_network
from roost.identity.sql.login_failures import LoginFailureStore
from roost.identity.sql.sessions import SessionStore
from roost.storage.database import Database
from roost.storage.migrate import Migrator

log = logging.getLogger("roost.identity")


def _fernet(secrets: tuple[str, ...], purpose: str) -> MultiFernet:
    import base64
    import hashlib

    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"{purpose}:{s}".encode()).digest()))
            for s in secrets
        ]
    )


@dataclass
class Counters:
    logins: int = 0
    failed_logins: int = 0
    registrations: int = 0
    whoami: int = 0


@dataclass
class IdentityService:
    config: IdentityConfig
    db: Database
    schemas: Schemas
    migrator: Migrator
    hasher: PasswordHasher
    cookies: MultiFernet
    counters: Counters = field(default_factory=Counters)
    nid: uuid.UUID | None = None
    _identities: IdentityStore | None = None
    _sessions: SessionStore | None = None
    _flows: FlowStore | None = None
    _throttle: LoginThrottle | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def _unmigrated(self) -> Unavailable:
        return Unavailable("the identity service's database schema is not migrated yet")

    @property
    def identities(self) -> IdentityStore:
        if self._identities is None:
            raise self._unmigrated()
        return self._identities

    @property
    def sessions(self) -> SessionStore:
        if self._sessions is None:
            raise self._unmigrated()
        return self._sessions

    @property
    def flows(self) -> FlowStore:
        if self._flows is None:
            raise self._unmigrated()
        return self._flows

    @property
    def throttle(self) -> LoginThrottle:
        if self._throttle is None:
            raise self._unmigrated()
        return self._throttle

    @property
    def public_url(self) -> str:
        return self.config.public.base_url

    @property
    def admin_url(self) -> str:
        return self.config.admin.base_url

    async def start(self) -> bool:
        """Finish start-up if the schema is current; True when the service can serve."""
        async with self._lock:
            if self._identities is not None:
                return True
            if await self.migrator.pending():
                return False
            self.nid = await ensure_network(self.db)
            self._identities = IdentityStore(
                self.db, self.nid, addresses=self.schemas.marks_addresses
            )
            self._sessions = SessionStore(self.db, self.nid, self._identities)
            self._flows = FlowStore(self.db, self.nid)
            failures = LoginFailureStore(self.db, self.nid)
            self._throttle = LoginThrottle(failures, self.config.cookie_secrets[0], now)
            return True

    async def ready_errors(self) -> dict[str, str]:
        return await readiness(self.db, self.start)

    def metrics(self) -> dict[str, float]:
        return {
            "roost_identity_logins_total": self.counters.logins,
            "roost_identity_failed_logins_total": self.counters.failed_logins,
            "roost_identity_registrations_total": self.counters.registrations,
            "roost_identity_whoami_total": self.counters.whoami,
            "roost_sql_queries_total": self.db.queries,
        }

    async def close(self) -> None:
        await self.db.close()


async def build(config: IdentityConfig, base_dir: Path, *, automigrate: bool) -> IdentityService:
    """Connect, optionally migrate, load schemas and assemble the service."""
    db = Database(config.dsn)
    migrator = Migrator(db, "identity", MIGRATIONS)
    if automigrate:
        applied = await migrator.up()
        if applied:
            log.info("identity: applied %d migration(s)", len(applied))
    schemas = await load_schemas(
        config.schemas, config.default_schema_id, base_dir, config.public.base_url
    )
    # Two hashing threads: enough to use both cores, few enough that a burst
    # of logins queues instead of starving the event loop of CPU.
    executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="roost-hash")
    service = IdentityService(
        config=config,
        db=db,
        schemas=schemas,
        migrator=migrator,
        hasher=PasswordHasher(config.hasher, executor),
        cookies=_fernet(config.cookie_secrets, "kratos-session-cookie"),
    )
    await service.start()
    return service
