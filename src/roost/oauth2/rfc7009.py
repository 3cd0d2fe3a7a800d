"""Token revocation (RFC 7009).

§2.1: the client authenticates, and may revoke only its own tokens; revoking
either token of a grant revokes the grant's access and refresh tokens (the
"MAY" of §2.1, which fosite does). §2.2: an unknown or invalid token is not an
error, the answer is 200 all the same.
"""

from __future__ import annotations

from typing import Protocol

from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749.errors import InvalidRequest, UnauthorizedClient
from roost.oauth2.rfc7662 import Introspector


class GrantRevoker(Protocol):
    async def revoke_request(self, request_id: str) -> None: ...


class Revoker:
    def __init__(self, introspector: Introspector, tokens: GrantRevoker) -> None:
        self.introspector = introspector
        self.tokens = tokens

    async def revoke(self, form: dict[str, str], client: Client) -> None:
        token = form.get("token", "")
        if not token:
            raise InvalidRequest("The token parameter is missing.")
        found = await self.introspector.find(token)
        if found is None:
            return
        record, _use = found
        if record.client_id != client.id:
            raise UnauthorizedClient(
                "The OAuth 2.0 Client is not allowed to revoke a token issued to another client."
            )
        await self.tokens.revoke_request(record.request_id)
