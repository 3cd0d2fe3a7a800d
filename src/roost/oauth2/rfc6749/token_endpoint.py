"""The token endpoint (RFC 6749 §3.2): authenticate the client, pick the grant, answer §5.

The first grant that accepts the request handles it (see
:mod:`roost.oauth2.rfc6749.grants.base`); when none does, the answer is
``unsupported_grant_type`` (§5.2), before the client is authenticated.
Everything here returns data or raises :class:`OAuth2Error`; the HTTP layer
writes the response, with ``Cache-Control: no-store`` (§5.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749.client_auth import ClientAuthenticator
from roost.oauth2.rfc6749.errors import InvalidRequest, UnsupportedGrantType
from roost.oauth2.rfc6749.grants import Grant


class ProofOfPossession(Protocol):
    async def token_request(self, proofs: Sequence[str], client: Client) -> str | None:
        """The key (``jkt``) the request's DPoP proof binds its tokens to, if any."""
        ...


class TokenEndpoint:
    def __init__(
        self,
        auth: ClientAuthenticator,
        grants: Sequence[Grant],
        dpop: ProofOfPossession | None = None,
    ) -> None:
        self.auth = auth
        self.grants = tuple(grants)
        self.dpop = dpop  # None while DPoP (RFC 9449) is off: the header is ignored

    async def handle(
        self, form: dict[str, str], authorization: str | None, proofs: Sequence[str] = ()
    ) -> dict[str, Any]:
        grant_type = form.get("grant_type", "")
        if not grant_type:
            raise InvalidRequest("The grant_type parameter is missing.")
        grant = next((g for g in self.grants if g.accepts(form)), None)
        if grant is None:
            raise UnsupportedGrantType(f"The grant type '{grant_type}' is not supported.")
        client = await self.auth.authenticate(form, authorization)
        jkt = await self.dpop.token_request(proofs, client) if self.dpop else None
        return await grant.handle(form, client, jkt)
