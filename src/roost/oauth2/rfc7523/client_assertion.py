"""``private_key_jwt`` client authentication (RFC 7523 §2.2, OIDC Core §9).

The client signs a JWT with ``iss`` = ``sub`` = its client id and ``aud`` =
the token endpoint; we verify it against the client's registered ``jwks`` or
the keys at its ``jwks_uri`` (fetched with a timeout and cached briefly).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from roost.oauth2.clients.model import ASSERTION_ALGS, Client
from roost.oauth2.rfc6749.client_auth import ClientSource
from roost.oauth2.rfc6749.errors import InvalidClient
from roost.oauth2.rfc7523.assertion import (
    AssertionError_,
    AssertionRules,
    JTIRegistry,
    check_claims,
    unverified,
    verify_signature,
)

JWKS_CACHE_SECONDS = 300


class ClientAssertionAuthenticator:
    def __init__(self, clients: ClientSource, jtis: JTIRegistry, rules: AssertionRules) -> None:
        self.clients = clients
        self.jtis = jtis
        self.rules = rules
        self._jwks_cache: dict[str, tuple[float, dict[str, Any]]] = {}

    async def _fetch(self, uri: str) -> dict[str, Any]:
        cached = self._jwks_cache.get(uri)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            async with httpx.AsyncClient(timeout=5) as http:
                response = await http.get(uri)
                response.raise_for_status()
                data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise InvalidClient(f"Unable to fetch the client's JSON Web Keys from {uri}.") from exc
        if not isinstance(data, dict):
            raise InvalidClient("The client's jwks_uri did not return a JSON Web Key Set.")
        self._jwks_cache[uri] = (time.monotonic() + JWKS_CACHE_SECONDS, data)
        return data

    async def authenticate(self, assertion: str, client_id: str | None) -> Client:
        try:
            _header, claims = unverified(assertion)
        except AssertionError_ as exc:
            raise InvalidClient(str(exc)) from exc
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub or claims.get("iss") != sub:
            raise InvalidClient("The client assertion's 'iss' and 'sub' must be the client id.")
        if client_id and client_id != sub:
            raise InvalidClient("The client_id does not match the client assertion's 'sub'.")
        client = await self.clients.get(sub)
        if client is None:
            raise InvalidClient("The requested OAuth 2.0 Client does not exist.")
        if client.auth_method != "private_key_jwt":
            raise InvalidClient(
                f"The OAuth 2.0 Client supports client authentication method "
                f"'{client.auth_method}', but method 'private_key_jwt' was requested."
            )
        jwks = client.jwks if client.jwks.get("keys") else await self._fetch(client.jwks_uri)
        alg = client.doc.get("token_endpoint_auth_signing_alg") or ""
        try:
            keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
            verified = verify_signature(assertion, keys, [alg] if alg else ASSERTION_ALGS)
            await check_claims(verified, self.rules, self.jtis)
        except (AssertionError_, JoseError, ValueError, TypeError, KeyError) as exc:
            raise InvalidClient(str(exc)) from exc
        return client
