"""Grants, each a class picked by the ``grant_type`` it handles (RFC 6749 §4, §6).

``client_credentials`` (§4.4) and ``refresh_token`` (§6) live here; the JWT
bearer grant is in :mod:`roost.oauth2.rfc7523.grant`. A grant decides what is
granted and hands it to the :class:`TokenIssuer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import urlencode

from roost.oauth2 import scopes as sc
from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749.errors import (
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    UnauthorizedClient,
)
from roost.oauth2.tokens.hmac import REFRESH_PREFIX, HMACStrategy
from roost.oauth2.tokens.issuer import STORED_FORM_KEYS, Granted, TokenIssuer, now_utc
from roost.oauth2.tokens.record import TokenRecord


class Grant(Protocol):
    grant_type: str

    async def handle(self, form: dict[str, str], client: Client) -> dict[str, Any]: ...


class RefreshTokens(Protocol):
    async def get_refresh(self, signature: str) -> TokenRecord | None: ...

    async def revoke_request(self, request_id: str) -> None: ...


def stored_form(form: dict[str, str]) -> str:
    return urlencode([(k, form[k]) for k in STORED_FORM_KEYS if form.get(k)])


def require_grant_type(client: Client, grant_type: str) -> None:
    if grant_type not in client.grant_types:
        raise UnauthorizedClient(
            f"The OAuth 2.0 Client is not allowed to use authorization grant '{grant_type}'."
        )


def check_scopes(strategy: sc.ScopeStrategy, allowed: Sequence[str], requested: list[str]) -> None:
    for scope in requested:
        if not strategy(allowed, scope):
            raise InvalidScope(f"The OAuth 2.0 Client is not allowed to request scope '{scope}'.")


def check_audience(client: Client, requested: list[str]) -> None:
    for audience in requested:
        if not sc.audience_allowed(client.audience, audience):
            raise InvalidRequest(
                f"Requested audience '{audience}' has not been whitelisted by the OAuth 2.0 Client."
            )


class ClientCredentialsGrant:
    """§4.4: the client acts on its own behalf; the subject is the client id."""

    grant_type = "client_credentials"

    def __init__(self, issuer: TokenIssuer, strategy: sc.ScopeStrategy, *, grant_all: bool) -> None:
        self.issuer = issuer
        self.strategy = strategy
        self.grant_all = grant_all

    async def handle(self, form: dict[str, str], client: Client) -> dict[str, Any]:
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
            )
        )
        assert result is not None
        return result


class RefreshTokenGrant:
    """§6 with strict rotation: a refresh token works once; reuse revokes the whole grant."""

    grant_type = "refresh_token"

    def __init__(
        self,
        issuer: TokenIssuer,
        tokens: RefreshTokens,
        hmac: HMACStrategy,
        strategy: sc.ScopeStrategy,
    ) -> None:
        self.issuer = issuer
        self.tokens = tokens
        self.hmac = hmac
        self.strategy = strategy

    async def handle(self, form: dict[str, str], client: Client) -> dict[str, Any]:
        require_grant_type(client, self.grant_type)
        token = form.get("refresh_token", "")
        if not token:
            raise InvalidRequest("The refresh_token parameter is missing.")
        signature = self.hmac.validate(token, REFRESH_PREFIX)
        record = await self.tokens.get_refresh(signature) if signature else None
        if record is None:
            raise InvalidGrant("The refresh token is malformed or not valid.")
        if record.client_id != client.id:
            raise InvalidGrant(
                "The OAuth 2.0 Client ID from this request does not match the ID during the "
                "initial token issuance."
            )
        if not record.active:
            await self.tokens.revoke_request(record.request_id)
            raise InvalidGrant("The refresh token was already used; the grant has been revoked.")
        if record.expires_at is not None and record.expires_at < now_utc():
            raise InvalidGrant("The refresh token expired.")
        requested = sc.split(form.get("scope")) or record.granted_scope
        for scope in requested:
            if not self.strategy(record.granted_scope, scope):
                raise InvalidScope(
                    f"The requested scope '{scope}' was not granted in the original request."
                )
        granted = Granted(
            client=client,
            grant_type=self.grant_type,
            subject=record.subject,
            requested_scope=requested,
            granted_scope=requested,
            requested_audience=record.requested_audience,
            granted_audience=record.granted_audience,
            form=stored_form(form),
            extra=record.extra,
            request_id=record.request_id,
        )
        result = await self.issuer.issue(granted, refresh=True, rotating=record)
        if result is None:
            raise InvalidGrant("The refresh token was already used; the grant has been revoked.")
        return result
