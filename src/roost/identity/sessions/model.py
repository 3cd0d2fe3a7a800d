"""Sessions and their tokens (``session/session.go``, ``x/token_prefixes.go``).

A session token is ``ory_st_`` plus 32 alphanumerics from :mod:`secrets`;
Kratos stores it as is (unique index) and looks sessions up by it, which we
keep so that existing Kratos tokens survive a switch to Roost. ``active`` in
the JSON is computed: stored flag, not expired, identity still active.
"""

from __future__ import annotations

import secrets
import string
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from roost.identity.identities.model import Identity, now, ts

_ALPHABET = string.ascii_letters + string.digits
SESSION_PREFIX = "ory_st_"
LOGOUT_PREFIX = "ory_lo_"


def random_token(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(32))


@dataclass
class Device:
    ip_address: str
    user_agent: str
    location: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
            "location": self.location,
        }


@dataclass
class Session:
    identity_id: uuid.UUID
    expires_at: datetime
    authentication_methods: list[dict[str, Any]]
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    token: str = field(default_factory=lambda: random_token(SESSION_PREFIX))
    logout_token: str = field(default_factory=lambda: random_token(LOGOUT_PREFIX))
    active: bool = True
    aal: str = "aal1"
    issued_at: datetime = field(default_factory=now)
    authenticated_at: datetime = field(default_factory=now)
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    devices: list[Device] = field(default_factory=list)
    identity: Identity | None = None

    def is_active(self, at: datetime | None = None) -> bool:
        at = at or now()
        identity_ok = self.identity is None or self.identity.state == "active"
        return self.active and self.expires_at > at and identity_ok

    def to_json(
        self,
        schema_url: str | None,
        *,
        with_identity: bool = True,
        with_devices: bool = True,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": str(self.id),
            "active": self.is_active(),
            "expires_at": ts(self.expires_at),
            "authenticated_at": ts(self.authenticated_at),
            "authenticator_assurance_level": self.aal,
            "authentication_methods": self.authentication_methods,
            "issued_at": ts(self.issued_at),
        }
        if with_identity and self.identity is not None and schema_url is not None:
            out["identity"] = self.identity.to_json(schema_url)
        if with_devices:
            out["devices"] = [d.to_json() for d in self.devices]
        return out


def password_method(at: datetime) -> dict[str, Any]:
    return {"method": "password", "aal": "aal1", "completed_at": ts(at)}
