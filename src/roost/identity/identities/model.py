"""The identity and its credentials, and their JSON as Kratos writes it.

Kratos has three renderings of one identity (``identity/identity.go``):
public (no credentials, no admin metadata: whoami, self-service), admin
(credentials without their ``config``, plus ``metadata_admin``) and admin with
``include_credential`` (the named types keep their config, e.g. the
``hashed_password``). ``Identity.to_json`` is those three in one place.
Times are RFC 3339 in UTC with a ``Z`` and trailing zeros trimmed, as Go's
``time.Time`` prints them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

STATES = ("active", "inactive")
CREDENTIAL_KINDS = frozenset(
    ("password", "oidc", "totp", "lookup_secret", "webauthn", "code", "passkey", "saml")
)
"""Kratos's credential types (``identity/credentials.go``); storage keys them by UUID."""


def now() -> datetime:
    """The current time as naive UTC, the form every table stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def ts(value: datetime) -> str:
    """Go's RFC 3339 (nano) rendering: ``2025-06-15T22:28:38.747278Z``.

    Built on ``isoformat`` (a quarter of ``strftime``'s cost; whoami renders
    seven of these): six fraction digits when there are microseconds, whose
    trailing zeros Go trims. Times are UTC; an offset, if any, is dropped.
    """
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    text = value.isoformat()
    return (text.rstrip("0") if value.microsecond else text) + "Z"


@dataclass
class Credential:
    type: str
    identifiers: list[str]
    config: dict[str, Any]
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    version: int = 0
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)

    def to_json(self, with_config: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "identifiers": list(self.identifiers)}
        if with_config:
            out["config"] = self.config
        out.update(
            version=self.version, created_at=ts(self.created_at), updated_at=ts(self.updated_at)
        )
        return out


@dataclass
class Address:
    via: str
    value: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    verified: bool = False
    status: str = "pending"
    verified_at: datetime | None = None
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)

    def to_json(self, verifiable: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"id": str(self.id), "value": self.value}
        if verifiable:
            out["verified"] = self.verified
        out["via"] = self.via
        if verifiable:
            out["status"] = self.status
            if self.verified_at is not None:
                out["verified_at"] = ts(self.verified_at)
        out.update(created_at=ts(self.created_at), updated_at=ts(self.updated_at))
        return out


@dataclass
class Identity:
    schema_id: str
    traits: Any
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    state: str = "active"
    state_changed_at: datetime | None = field(default_factory=now)
    metadata_public: Any = None
    metadata_admin: Any = None
    organization_id: uuid.UUID | None = None
    external_id: str | None = None
    credentials: dict[str, Credential] = field(default_factory=dict)
    verifiable_addresses: list[Address] = field(default_factory=list)
    recovery_addresses: list[Address] = field(default_factory=list)
    created_at: datetime = field(default_factory=now)
    updated_at: datetime | None = None
    available_aal: str | None = None
    """Kratos's internal column (never rendered): ``aal2`` once a second factor exists."""

    def __post_init__(self) -> None:
        # A new identity's timestamps are one instant, as Kratos writes them.
        if self.updated_at is None:
            self.updated_at = self.created_at

    @property
    def updated(self) -> datetime:
        return self.updated_at or self.created_at

    def to_json(
        self,
        schema_url: str,
        *,
        admin: bool = False,
        include_config: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"id": str(self.id)}
        if admin and self.credentials:
            out["credentials"] = {
                name: cred.to_json(name in include_config)
                for name, cred in sorted(self.credentials.items())
            }
        out.update(schema_id=self.schema_id, schema_url=schema_url, state=self.state)
        if self.state_changed_at is not None:
            out["state_changed_at"] = ts(self.state_changed_at)
        out["traits"] = self.traits
        if self.verifiable_addresses:
            out["verifiable_addresses"] = [a.to_json(True) for a in self.verifiable_addresses]
        if self.recovery_addresses:
            out["recovery_addresses"] = [a.to_json(False) for a in self.recovery_addresses]
        out["metadata_public"] = self.metadata_public
        if admin and self.metadata_admin is not None:
            out["metadata_admin"] = self.metadata_admin
        out.update(
            created_at=ts(self.created_at),
            updated_at=ts(self.updated),
            organization_id=str(self.organization_id) if self.organization_id else None,
        )
        if self.external_id:
            out["external_id"] = self.external_id
        return out
