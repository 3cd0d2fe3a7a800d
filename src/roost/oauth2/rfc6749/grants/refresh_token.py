"""Refreshing an access token (RFC 6749 §6), with strict rotation as fosite does.

With ``openid`` granted, the answer carries a new ID token (OIDC Core §12.2,
fosite's ``OpenIDConnectRefreshHandler``): the grant's stored claims with a new
``iat``, ``exp`` (``refresh_token_grant_id_token_lifespan`` or ``ttl.id_token``),
``jti`` and ``at_hash``, and no ``nonce``.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from roost.oauth2 import scopes as sc
from roost.oauth2.clients.model import Client
from roost.oauth2.oidc.id_token import IDTokenSigner, epoch
from roost.oauth2.rfc6749.errors import InvalidGrant, InvalidRequest, InvalidScope
from roost.oauth2.rfc6749.grants.base import TokenGrant, require_grant_type, stored_form
from roost.oauth2.rfc9449 import InvalidDPoPProof, same_key
from roost.oauth2.tokens.hmac import REFRESH_PREFIX, HMACStrategy
from roost.oauth2.tokens.issuer import Granted, TokenIssuer, now_utc
from roost.oauth2.tokens.record import TokenRecord


class RefreshTokens(Protocol):
    async def get_refresh(self, signature: str) -> TokenRecord | None: ...

    async def revoke_request(self, request_id: str) -> None: ...


class RefreshTokenGrant(TokenGrant):
    """§6 with strict rotation: a refresh token works once; reuse revokes the whole grant."""

    grant_type = "refresh_token"

    def __init__(
        self,
        issuer: TokenIssuer,
        tokens: RefreshTokens,
        hmac: HMACStrategy,
        strategy: sc.ScopeStrategy,
        id_tokens: IDTokenSigner | None = None,
    ) -> None:
        self.id_tokens = id_tokens
        self.issuer = issuer
        self.tokens = tokens
        self.hmac = hmac
        self.strategy = strategy

    async def handle(
        self, form: dict[str, str], client: Client, jkt: str | None = None
    ) -> dict[str, Any]:
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
        if record.dpop_jkt is not None and not same_key(record.dpop_jkt, jkt):
            raise InvalidDPoPProof(  # RFC 9449 §5: a public client's refresh token is bound
                "The refresh token is bound to a DPoP key; prove possession of that key."
            )
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
            # The ID token's claims stay with the grant: userinfo answers the same after refresh.
            id_token_claims=(record.session.get("id_token") or {}).get("id_token_claims") or {},
            dpop_jkt=jkt,
        )
        result = await self.issuer.issue(granted, refresh=True, rotating=record)
        if result is None:
            raise InvalidGrant("The refresh token was already used; the grant has been revoked.")
        if self.id_tokens is not None and "openid" in requested and granted.id_token_claims:
            result["id_token"] = await self._id_token(granted, client, result["access_token"])
        return result

    async def _id_token(self, granted: Granted, client: Client, access_token: str) -> str:
        assert self.id_tokens is not None
        now = now_utc().replace(microsecond=0)
        lifespan = client.lifespan("refresh_token_grant_id_token_lifespan") or self.id_tokens.ttl
        claims = {k: v for k, v in granted.id_token_claims.items()
                  if k not in ("at_hash", "c_hash", "nonce")}  # fmt: skip
        claims.update(iat=epoch(now), exp=epoch(now + lifespan), jti=str(uuid.uuid4()))
        return await self.id_tokens.sign(claims, access_token)
