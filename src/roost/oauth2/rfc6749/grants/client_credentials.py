"""The client credentials grant (RFC 6749 §4.4)."""

from __future__ import annotations

from typing import Any

from roost.oauth2 import scopes as sc
from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749.errors import InvalidGrant
from roost.oauth2.rfc6749.grants.base import (
    TokenGrant,
    check_audience,
    check_scopes,
    require_grant_type,
    stored_form,
)
from roost.oauth2.tokens.issuer import Granted, TokenIssuer


class ClientCredentialsGrant(TokenGrant):
    """§4.4: the client acts on its own behalf; the subject is the client id."""

    grant_type = "client_credentials"

    def __init__(self, issuer: TokenIssuer, strategy: sc.ScopeStrategy, *, grant_all: bool) -> None:
        self.issuer = issuer
        self.strategy = strategy
        self.grant_all = grant_all

    async def handle(
        self, form: dict[str, str], client: Client, jkt: str | None = None
    ) -> dict[str, Any]:
        if client.is_public:
            raise InvalidGrant(
                "The OAuth 2.0 Client is marked as public and is thus not allowed to use "
                "authorization grant 'client_credentials'."
            )
        require_grant_type(client, self.grant_type)
        requested = sc.split(form.get("scope"))
        check_scopes(self.strategy, client.scopes, requested)
        audience = sc.split(form.get("audience"))
        check_audience(client, audience)
        granted = requested if requested or not self.grant_all else client.scopes
        result = await self.issuer.issue(
            Granted(
                client=client,
                grant_type=self.grant_type,
                subject=client.id,
                requested_scope=requested,
                granted_scope=granted,
                requested_audience=audience,
                granted_audience=audience,
                form=stored_form(form),
                dpop_jkt=jkt,
            )
        )
        assert result is not None
        return result
