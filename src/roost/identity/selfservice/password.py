"""The ``password`` method of login and registration (``selfservice/strategy/password``).

Login: an unknown identifier is compared against a dummy hash of the
configured cost, so it takes as long as a known one and the response
(4000006) is the same. Repeated failures for one identifier are slowed down
by :mod:`roost.identity.credentials.throttle`. After a successful comparison
a hash of another family or cost is upgraded to the configured hasher, as
Kratos does on login.

Registration: the traits are validated against the schema, the password
against the policy, and it is hashed off the event loop; the flow writes the
identity.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Protocol

from roost.identity import text
from roost.identity.config import PasswordPolicy
from roost.identity.credentials.policy import check_password
from roost.identity.credentials.throttle import Attempt
from roost.identity.errors import unauthorized
from roost.identity.identities.manager import derive
from roost.identity.identities.model import Credential, Identity
from roost.identity.metrics import Counters
from roost.identity.schemas.manager import IdentitySchema
from roost.identity.selfservice.flow import Flow, ensure_password_nodes
from roost.identity.selfservice.flows import FormError


class Hasher(Protocol):
    @property
    def max_bytes(self) -> int | None: ...

    async def hash_async(self, password: str) -> str: ...

    async def verify_async(self, password: str, hashed: str | None) -> bool: ...

    def understands(self, hashed: str) -> bool: ...


class Throttle(Protocol):
    async def begin(self, identifier: str) -> Attempt: ...

    async def failed(self, attempt: Attempt) -> None: ...

    async def succeeded(self, attempt: Attempt) -> None: ...


class PasswordIdentities(Protocol):
    """The identity lookups and the one write password login needs."""

    async def by_identifier(self, kind: str, identifier: str) -> Identity | None: ...

    async def update_password_hash(
        self, credential_id: uuid.UUID, config: dict[str, Any]
    ) -> None: ...


def _credentials(f: Flow, body: dict[str, Any]) -> tuple[str, str]:
    """The identifier and password of a login body, or FormError naming what is missing."""
    identifier = body.get("identifier")
    if identifier is None:
        identifier = body.get("password_identifier")
    password = body.get("password")
    f.set_value("identifier", identifier if isinstance(identifier, str) else None)
    missing = False
    for name, value in (("identifier", identifier), ("password", password)):
        if not isinstance(value, str) or value == "":
            f.attach(name, text.required(name))
            missing = True
    if missing:
        raise FormError(f)
    assert isinstance(identifier, str) and isinstance(password, str)
    return identifier, password


class PasswordLogin:
    """Login with an identifier and a password."""

    def __init__(
        self,
        identities: PasswordIdentities,
        hasher: Hasher,
        throttle: Throttle,
        counters: Counters,
    ) -> None:
        self.identities = identities
        self.hasher = hasher
        self.throttle = throttle
        self.counters = counters

    async def authenticate(self, f: Flow, body: dict[str, Any]) -> Identity:
        identifier, password = _credentials(f, body)
        key = identifier.strip().lower()
        attempt = await self.throttle.begin(key)
        if attempt.delay:
            await asyncio.sleep(attempt.delay)
        ident = await self.identities.by_identifier("password", key)
        cred = ident.credentials.get("password") if ident is not None else None
        hashed = cred.config.get("hashed_password") if cred is not None else None
        stored = hashed if isinstance(hashed, str) else None
        ok = await self.hasher.verify_async(password, stored)
        if not ok or ident is None or cred is None:
            await self.throttle.failed(attempt)
            self.counters.failed_logins += 1
            f.messages.append(text.invalid_credentials())
            raise FormError(f)
        await self.throttle.succeeded(attempt)
        if ident.state != "active":
            raise unauthorized("This account was disabled.")
        if not self.hasher.understands(str(hashed)):
            cred.config = {**cred.config, "hashed_password": await self.hasher.hash_async(password)}
            await self.identities.update_password_hash(cred.id, cred.config)
        return ident


class PasswordRegistration:
    """Registration with traits and a password."""

    def __init__(self, hasher: Hasher, policy: PasswordPolicy) -> None:
        self.hasher = hasher
        self.policy = policy

    async def register(
        self, f: Flow, schema: IdentitySchema, traits: Any, body: dict[str, Any]
    ) -> Identity | None:
        f.active = "password"
        ensure_password_nodes(f)
        password = body.get("password")
        errors = schema.validate(traits)
        if not isinstance(password, str) or password == "":
            errors.append(("password", text.required("password")))
        identifiers = schema.identifiers(traits) if not errors else []
        if not errors and not identifiers:
            errors.append(("", text.identifier_missing()))
        if not errors and isinstance(password, str):
            problem = await check_password(
                self.policy, password, identifiers, self.hasher.max_bytes
            )
            if problem is not None:
                errors.append(("password", problem))
        if errors:
            for name, message in errors:
                f.attach(name, message)
            raise FormError(f)
        assert isinstance(password, str)
        ident = Identity(schema_id=schema.id, traits=traits)
        hashed = await self.hasher.hash_async(password)
        ident.credentials["password"] = Credential("password", [], {"hashed_password": hashed})
        derive(schema, ident)
        return ident
