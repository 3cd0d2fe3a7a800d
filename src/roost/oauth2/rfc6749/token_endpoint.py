"""The token endpoint (RFC 6749 §3.2): authenticate the client, pick the grant, answer §5.

The first grant that accepts the request handles it (see
:mod:`roost.oauth2.rfc6749.grants.base`); when none does, the answer is
``unsupported_grant_type`` (§5.2), before the client is authenticated.
Everything here returns data or raises :class:`OAuth2Error`; the HTTP layer
writes the response, with ``Cache-Control: no-store`` (§5.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from roost.oauth2.rfc6749.client_auth import ClientAuthenticator
from roost.oauth2.rfc6749.errors import InvalidRequest, UnsupportedGrantType
from roost.oauth2.rfc6749.grants import Grant


class TokenEndpoint:
    def __init__(self, auth: ClientAuthenticator, grants: Sequence[Grant]) -> None:
        self.auth = auth
        self.grants = tuple(grants)

    async def handle(self, form: dict[str, str], authorization: str | None) -> dict[str, Any]:
        grant_type = form.get("grant_type", "")
        if not grant_type:
            raise InvalidRequest("The grant_type parameter is missing.")
        grant = next((g for g in self.grants if g.accepts(form)), None)
        if grant is None:
            raise UnsupportedGrantType(f"The grant type '{grant_type}' is not supported.")
        client = await self.auth.authenticate(form, authorization)
        return await grant.handle(form, client)
