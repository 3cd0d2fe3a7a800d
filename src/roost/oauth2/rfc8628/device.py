"""The device authorization endpoint (RFC 8628 §3.1, §3.2) and the device request model.

``POST /oauth2/device/auth`` authenticates the client as the token endpoint
does (public clients send ``client_id``), checks that it may use the device
grant and the scopes and audience it asks for, and answers a ``device_code``
(``ory_dc_`` HMAC token), a ``user_code`` (§6.1: drawn from a small alphabet,
case-insensitive, dashes ignored), the verification URIs, ``expires_in`` and
``interval``. Only the two codes' HMAC signatures are stored.

A :class:`DeviceRequest` moves through :data:`PENDING` → :data:`ACCEPTED`
(the user code was entered, bound to one browser) → :data:`VERIFIED` (that
browser came back) → :data:`AUTHORIZED` or :data:`DENIED` (login and consent
done); the store moves it only from the expected state.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from roost.oauth2 import scopes as sc
from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749.grants.base import check_audience, check_scopes, require_grant_type
from roost.oauth2.tokens.hmac import HMACStrategy

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_PREFIX = "ory_dc_"
PENDING, ACCEPTED, VERIFIED, AUTHORIZED, DENIED = 0, 1, 2, 3, 4


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class DeviceRequest:
    """One device authorization (``hydra_oauth2_device_auth_codes``)."""

    device_code_signature: str
    user_code_signature: str
    request_id: str
    requested_at: datetime
    client_id: str
    requested_scope: list[str]
    requested_audience: list[str]
    expires_at: datetime
    user_code_state: int = PENDING
    device_code_active: bool = True
    challenge_id: str | None = None
    subject: str = ""
    granted_scope: list[str] = field(default_factory=list)
    granted_audience: list[str] = field(default_factory=list)
    session: dict[str, Any] = field(default_factory=dict)
    last_polled_at: datetime | None = None


class DeviceStore(Protocol):
    async def create_device(self, request: DeviceRequest) -> None: ...

    async def by_device_code(self, signature: str) -> DeviceRequest | None: ...

    async def by_user_code(self, signature: str) -> DeviceRequest | None: ...

    async def by_request_id(self, request_id: str) -> DeviceRequest | None: ...

    async def move(self, request: DeviceRequest, expected: int, values: dict[str, Any]) -> bool:
        """Write ``values`` (and ``user_code_state``) if the stored state is ``expected``."""
        ...

    async def poll(self, signature: str, now: datetime, interval: timedelta) -> bool:
        """Record a poll; False when the previous one was less than ``interval`` ago."""
        ...

    async def use_device_code(self, signature: str) -> bool:
        """Deactivate the device code; False when it already was."""
        ...


class ClientAuth(Protocol):
    async def authenticate(self, form: dict[str, str], authorization: str | None) -> Client: ...


class UserCodes:
    """§6.1 user codes and their keyed hash (what the database keeps)."""

    def __init__(self, system_secret: str, length: int, alphabet: str) -> None:
        self.key = hashlib.sha256(f"device-user-code:{system_secret}".encode()).digest()
        self.length = length
        self.alphabet = alphabet

    def generate(self) -> str:
        return "".join(secrets.choice(self.alphabet) for _ in range(self.length))

    def normalize(self, text: str) -> str:
        """§6.1: "the authorization server SHOULD ... ignore any characters like
        punctuation", and be case-insensitive when the alphabet has one case."""
        plain = "".join(ch for ch in text if ch not in "- \t")
        return plain.upper() if self.alphabet == self.alphabet.upper() else plain

    def signature(self, text: str) -> str:
        return hmac.new(self.key, self.normalize(text).encode(), "sha256").hexdigest()


@dataclass(frozen=True)
class DeviceURLs:
    verification: str
    """``/oauth2/device/verify`` on this server (§3.2 ``verification_uri``)."""


class DeviceAuthorization:
    def __init__(
        self,
        auth: ClientAuth,
        store: DeviceStore,
        hmac_strategy: HMACStrategy,
        user_codes: UserCodes,
        strategy: sc.ScopeStrategy,
        urls: DeviceURLs,
        *,
        ttl: timedelta,
        interval: timedelta,
    ) -> None:
        self.auth = auth
        self.store = store
        self.hmac = hmac_strategy
        self.user_codes = user_codes
        self.strategy = strategy
        self.urls = urls
        self.ttl = ttl
        self.interval = interval

    async def handle(self, form: dict[str, str], authorization: str | None) -> dict[str, Any]:
        client = await self.auth.authenticate(form, authorization)
        require_grant_type(client, GRANT_TYPE)
        scope = sc.split(form.get("scope"))
        audience = sc.split(form.get("audience"))
        check_scopes(self.strategy, client.scopes, scope)
        check_audience(client, audience)
        device_code, device_signature = self.hmac.generate(DEVICE_PREFIX)
        user_code = self.user_codes.generate()
        now = now_utc().replace(microsecond=0)
        await self.store.create_device(
            DeviceRequest(
                device_code_signature=device_signature,
                user_code_signature=self.user_codes.signature(user_code),
                request_id=str(uuid.uuid4()),
                requested_at=now,
                client_id=client.id,
                requested_scope=scope,
                requested_audience=audience,
                expires_at=now + self.ttl,
            )
        )
        return {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": self.urls.verification,
            "verification_uri_complete": f"{self.urls.verification}?user_code={user_code}",
            "expires_in": int(self.ttl.total_seconds()),
            "interval": int(self.interval.total_seconds()),
        }
