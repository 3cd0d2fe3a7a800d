"""Client authentication at the token and revocation endpoints (RFC 6749 §2.3).

``client_secret_basic`` (the default), ``client_secret_post``, ``none`` for
public clients, and ``private_key_jwt`` (RFC 7523 §2.2, delegated to
:mod:`roost.oauth2.rfc7523.client_assertion`). A client may only use the
method it registered, as fosite enforces.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749.errors import InvalidClient, InvalidRequest
from roost.oauth2.rfc6749.request import parse_basic

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class ClientSource(Protocol):
    async def get(self, client_id: str) -> Client | None: ...


class SecretVerifier(Protocol):
    def verify(self, secret: str, stored: str) -> bool: ...


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
    ) -> None:
        self.clients = clients
        self.verifier = verifier
        self.assertions = assertions

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
        if client is None:
            raise InvalidClient("The requested OAuth 2.0 Client does not exist.")
        if client.is_public:
            return client
        if method != client.auth_method:
            raise _mismatch(client, method)
        ok = False
        for stored in (client.secret_hash, *client.rotated_hashes):  # rotated secrets still work
            ok = ok or await asyncio.to_thread(self.verifier.verify, secret, stored)
        if not ok:
            raise InvalidClient("The provided client secret did not match.")
        expires = int(client.doc.get("client_secret_expires_at") or 0)
        if expires and expires < time.time():
            raise InvalidClient("The OAuth 2.0 Client secret has expired.")
        return client
