"""Dynamic client registration (RFC 7591) and its management protocol (RFC 7592).

``POST /oauth2/register`` creates a client as the admin API does, with
Hydra's limits for a public endpoint: the server picks ``client_id`` and
``client_secret``, and ``metadata``, ``access_token_strategy``,
``skip_consent`` and ``skip_logout_consent`` are refused. The answer carries
the secret (once), a ``registration_access_token`` and the
``registration_client_uri``.

``GET|PUT|DELETE /oauth2/register/{id}`` need that token as a Bearer token
(RFC 7592 §2). Only its HMAC signature is stored, so a database read does
not give it away. A PUT issues a new registration access token (the old one
stops working) and keeps the secret. Everything is off (404) unless
``oidc.dynamic_client_registration.enabled``.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from roost.core.errors import Forbidden, NotFound, Unauthorized
from roost.oauth2.clients.model import (
    Client,
    InvalidClientMetadata,
    generate_secret,
    stamp,
)
from roost.oauth2.clients.rules import ClientRules
from roost.oauth2.clients.schema import client_body_error
from roost.oauth2.tokens.hmac import ACCESS_PREFIX as TOKEN_PREFIX  # Hydra mints them so

REFUSED = ("metadata", "access_token_strategy", "skip_consent", "skip_logout_consent")


class RegistrationStore(Protocol):
    async def get(self, client_id: str) -> Client | None: ...

    async def create(self, client: Client, registration_signature: str) -> None: ...

    async def replace(
        self, client: Client, *, keep_secret: bool, registration_signature: str | None = None
    ) -> bool: ...

    async def delete(self, client_id: str) -> bool: ...

    async def registration_signature(self, client_id: str) -> str | None: ...


class Tokens(Protocol):
    def generate(self, prefix: str) -> tuple[str, str]: ...

    def validate(self, token: str, prefix: str) -> str | None: ...


Hash = Callable[[str], Awaitable[str]]
"""Hash a secret (awaitable: hashing runs off the event loop)."""


def _dynamic_body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidClientMetadata("The request body must be a JSON object.")
    problem = client_body_error(body)
    if problem is not None:
        raise InvalidClientMetadata(f"The client document is malformed: {problem}.")
    if body.get("client_secret"):
        raise Forbidden("It is not allowed to choose your own OAuth2 Client secret.")
    for key in REFUSED:
        if body.get(key) not in (None, False, "", {}):
            raise InvalidClientMetadata(f"{key} cannot be set for dynamic client registration.")
    return {k: v for k, v in body.items() if k not in ("client_secret", "metadata")}


class Registration:
    def __init__(
        self,
        store: RegistrationStore,
        tokens: Tokens,
        hash_secret: Hash,
        *,
        enabled: bool,
        rules: ClientRules,
        endpoint: str,
    ) -> None:
        self.rules = rules
        self.store = store
        self.tokens = tokens
        self.hash_secret = hash_secret
        self.enabled = enabled
        self.endpoint = endpoint

    def _on(self) -> None:
        if not self.enabled:
            raise NotFound("Dynamic client registration is not enabled.")

    def _answer(self, client: Client, token: str, secret: str | None = None) -> dict[str, Any]:
        out = client.api(secret=secret)
        out.pop("metadata", None)
        out["registration_access_token"] = token
        out["registration_client_uri"] = f"{self.endpoint}/{client.id}"
        return out

    async def register(self, body: Any) -> dict[str, Any]:
        self._on()
        doc, _ = await self.rules.validate(_dynamic_body(body))
        doc["client_id"] = str(uuid.uuid4())
        public = Client(doc, "").is_public
        secret = None if public else generate_secret()
        stamp(doc, None)
        client = Client(doc, "" if secret is None else await self.hash_secret(secret))
        token, signature = self.tokens.generate(TOKEN_PREFIX)
        await self.store.create(client, signature)
        return self._answer(client, token, secret)

    async def _authorized(self, client_id: str, bearer: str) -> Client:
        """The client, if ``bearer`` is its registration access token (else 401, as Hydra)."""
        self._on()
        denied = Unauthorized(
            "The requested OAuth 2.0 client does not exist or you provided incorrect credentials."
        )
        given = self.tokens.validate(bearer, TOKEN_PREFIX) if bearer else None
        stored = await self.store.registration_signature(client_id) if given else None
        if not given or not stored or not hmac.compare_digest(given, stored):
            raise denied
        client = await self.store.get(client_id)
        if client is None:
            raise denied
        return client

    async def read(self, client_id: str, bearer: str) -> dict[str, Any]:
        client = await self._authorized(client_id, bearer)
        out = client.api()
        out.pop("metadata", None)
        return out

    async def update(self, client_id: str, bearer: str, body: Any) -> dict[str, Any]:
        current = await self._authorized(client_id, bearer)
        plain = _dynamic_body(body)
        if plain.get("client_id") not in (None, "", current.id):
            raise InvalidClientMetadata("The client_id in the body does not match the path.")
        doc, _ = await self.rules.validate(plain, existing=current)
        doc["client_id"] = current.id
        doc["metadata"] = current.doc.get("metadata") or {}
        stamp(doc, None)
        doc["created_at"] = current.doc["created_at"]
        client = Client(doc, current.secret_hash)
        token, signature = self.tokens.generate(TOKEN_PREFIX)
        if not await self.store.replace(client, keep_secret=True, registration_signature=signature):
            raise NotFound("Unable to locate the resource")
        return self._answer(client, token)

    async def delete(self, client_id: str, bearer: str) -> None:
        await self._authorized(client_id, bearer)
        await self.store.delete(client_id)
