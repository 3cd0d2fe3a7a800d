"""The identity service's registry: built once at start-up, handed to both ports.

It owns the schemas, the password hasher (with its small thread pool, so
hashing never blocks the event loop) and the cookie keys; its parts (the
stores and the login throttle) are assembled once the schema is current (see
``roost.runtime.service``).
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet

from roost.identity.config import IdentityConfig
from roost.identity.credentials.hashing import PasswordHasher
from roost.identity.credentials.throttle import LoginThrottle
from roost.identity.identities.model import now
from roost.identity.schemas.manager import Schemas, load_schemas
from roost.identity.sql.flows import FlowStore
from roost.identity.sql.identities import IdentityStore, ensure_network
from roost.identity.sql.login_failures import LoginFailureStore
from roost.identity.sql.sessions import SessionStore
from roost.runtime.service import Service
from roost.storage.database import Database
from roost.storage.migrate import Migrator


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


@dataclass(frozen=True)
class IdentityParts:
    """What needs the migrated schema (and the network id)."""

    nid: uuid.UUID
    identities: IdentityStore
    sessions: SessionStore
    flows: FlowStore
    throttle: LoginThrottle


@dataclass(kw_only=True)
class IdentityService(Service[IdentityParts]):
    config: IdentityConfig
    schemas: Schemas
    hasher: PasswordHasher
    cookies: MultiFernet
    counters: Counters = field(default_factory=Counters)

    async def assemble(self) -> IdentityParts:
        nid = await ensure_network(self.db)
        identities = IdentityStore(self.db, nid, addresses=self.schemas.marks_addresses)
        failures = LoginFailureStore(self.db, nid)
        return IdentityParts(
            nid=nid,
            identities=identities,
            sessions=SessionStore(self.db, nid, identities),
            flows=FlowStore(self.db, nid),
            throttle=LoginThrottle(failures, self.config.cookie_secrets[0], now),
        )

    # Transitional: the handlers still read the parts one by one.
    @property
    def nid(self) -> uuid.UUID:
        return self.ready.nid

    @property
    def identities(self) -> IdentityStore:
        return self.ready.identities

    @property
    def sessions(self) -> SessionStore:
        return self.ready.sessions

    @property
    def flows(self) -> FlowStore:
        return self.ready.flows

    @property
    def throttle(self) -> LoginThrottle:
        return self.ready.throttle

    @property
    def public_url(self) -> str:
        return self.config.public.base_url

    @property
    def admin_url(self) -> str:
        return self.config.admin.base_url

    def metrics(self) -> dict[str, float]:
        return {
            **super().metrics(),
            "roost_identity_logins_total": self.counters.logins,
            "roost_identity_failed_logins_total": self.counters.failed_logins,
            "roost_identity_registrations_total": self.counters.registrations,
            "roost_identity_whoami_total": self.counters.whoami,
        }


async def build(
    config: IdentityConfig, db: Database, migrator: Migrator, base_dir: Path
) -> IdentityService:
    """The registry, with its schemas loaded."""
    schemas = await load_schemas(
        config.schemas, config.default_schema_id, base_dir, config.public.base_url
    )
    # Two hashing threads: enough to use both cores, few enough that a burst
    # of logins queues instead of starving the event loop of CPU.
    executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="roost-hash")
    return IdentityService(
        db=db,
        migrator=migrator,
        config=config,
        schemas=schemas,
        hasher=PasswordHasher(config.hasher, executor),
        cookies=_fernet(config.cookie_secrets, "kratos-session-cookie"),
    )
