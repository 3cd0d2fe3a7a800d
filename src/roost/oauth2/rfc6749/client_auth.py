"""Client authentication at the token and revocation endpoints (RFC 6749 §2.3).

``client_secret_basic`` (the default), ``client_secret_post``, ``none`` for
public clients, and ``private_key_jwt`` (RFC 7523 §2.2, delegated to
:mod:`roost.oauth2.rfc7523.client_assertion`). A client may only use the
method it registered, as fosite enforces.

Guessing secrets is made slow and telling ids apart by time pointless
(issue 9): a secret is compared only after the client id's recent failures
have been waited for (:mod:`roost.core.throttle`: 5 free failures in 15
minutes, then 0.25 s doubling to 8 s, counted in SQL so every replica shares
them), and an unknown client id costs the same as a wrong secret, because the
given secret is then checked against a dummy hash made at start-up with the
configured algorithm and cost. Both answer the same ``invalid_client`` body;
the reason is only in ``error_debug`` (``oauth2.expose_internal_errors``).

A secret that matched recently skips the hash and the throttle
(:class:`roost.oauth2.clients.hashing.VerifiedSecrets`, decision 0039): a
client's own requests then cost no PBKDF2 and never wait for an attacker's
failures, while every wrong secret still pays both.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Protocol

from roost.core.throttle import Attempt
from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749.errors import InvalidClient, InvalidRequest
from roost.oauth2.rfc6749.request import parse_basic

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class ClientSource(Protocol):
    async def get(self, client_id: str) -> Client | None: ...


class SecretVerifier(Protocol):
    def verify(self, secret: str, stored: str) -> bool: ...


class RecentlyVerified(Protocol):
    """Secrets that matched a stored hash a moment ago (in this process only)."""

    def known(self, client_id: str, stored: str, secret: str) -> bool: ...

    def remember(self, client_id: str, stored: str, secret: str) -> None: ...


class Throttle(Protocol):
    """Recent failures per client id, shared by replicas (``roost.core.throttle``)."""

    async def begin(self, identifier: str) -> Attempt: ...

    async def failed(self, attempt: Attempt) -> None: ...

    async def succeeded(self, attempt: Attempt) -> None: ...


@dataclass
class AuthCounters:
    """Metrics of secret-based client authentication (and what tests observe)."""

    secret_verifications: int = 0
    """Hash comparisons run, the dummy ones for unknown client ids included."""
    recently_verified: int = 0
    """Secrets accepted without a hash because they had matched moments before."""
    failures: int = 0
    delayed: int = 0
    """Attempts that waited for earlier failures before their secret was compared."""


class AssertionAuthenticator(Protocol):
    async def authenticate(self, assertion: str, client_id: str | None) -> Client: ...


def _mismatch(client: Client, used: str) -> InvalidClient:
    return InvalidClient(
        f"The OAuth 2.0 Client supports client authentication method "
        f"'{client.auth_method}', but method '{used}' was requested. You must configure the "
        f"OAuth 2.0 client's 'token_endpoint_auth_method' value to accept '{used}'."
    )


class ClientAuthenticator:
    def __init__(
        self,
        clients: ClientSource,
        verifier: SecretVerifier,
        assertions: AssertionAuthenticator,
        throttle: Throttle,
        *,
        dummy_hash: str,
        counters: AuthCounters,
        recent: RecentlyVerified,
    ) -> None:
        self.clients = clients
        self.verifier = verifier
        self.assertions = assertions
        self.throttle = throttle
        self.dummy_hash = dummy_hash
        """A hash of a random secret, of the configured kind and cost: unknown ids check it."""
        self.counters = counters
        self.recent = recent

    async def authenticate(self, form: dict[str, str], authorization: str | None) -> Client:
        if form.get("client_assertion_type") or form.get("client_assertion"):
            if form.get("client_assertion_type") != ASSERTION_TYPE:
                raise InvalidRequest(f"Unknown client_assertion_type; expected '{ASSERTION_TYPE}'.")
            if not form.get("client_assertion"):
                raise InvalidRequest("The client_assertion parameter is missing.")
            return await self.assertions.authenticate(
                form["client_assertion"], form.get("client_id") or None
            )
        basic = parse_basic(authorization)
        if basic is not None:
            client_id, secret, method = basic.client_id, basic.secret, "client_secret_basic"
        else:
            client_id = form.get("client_id", "")
            secret = form.get("client_secret", "")
            method = "client_secret_post" if secret else "none"
        if not client_id:
            raise InvalidRequest(
                "Client credentials missing or malformed in both HTTP Authorization header "
                "and HTTP POST body."
            )
        client = await self.clients.get(client_id)
        if client is not None and client.is_public:
            return client
        if client is not None and method == client.auth_method and self._recent(client, secret):
            self.counters.recently_verified += 1
            return _unexpired(client)
        attempt = await self.throttle.begin(client_id)
        if attempt.delay:
            self.counters.delayed += 1
            await asyncio.sleep(attempt.delay)
        if client is not None and method != client.auth_method:
            raise _mismatch(client, method)
        hashes = (client.secret_hash, *client.rotated_hashes) if client else (self.dummy_hash,)
        ok = False
        for stored in hashes:  # rotated secrets keep working until they are cleared
            if not ok and await asyncio.to_thread(self.verifier.verify, secret, stored):
                ok = True
                if client is not None:
                    self.recent.remember(client.id, stored, secret)
            self.counters.secret_verifications += 1
        if not ok or client is None:
            self.counters.failures += 1
            await self.throttle.failed(attempt)
            raise InvalidClient(
                debug="The requested OAuth 2.0 Client does not exist."
                if client is None
                else "The provided client secret did not match."
            )
        await self.throttle.succeeded(attempt)
        return _unexpired(client)

    def _recent(self, client: Client, secret: str) -> bool:
        hashes = (client.secret_hash, *client.rotated_hashes)
        return any(self.recent.known(client.id, stored, secret) for stored in hashes)


def _unexpired(client: Client) -> Client:
    expires = int(client.doc.get("client_secret_expires_at") or 0)
    if expires and expires < time.time():
        raise InvalidClient("The OAuth 2.0 Client secret has expired.")
    return client
