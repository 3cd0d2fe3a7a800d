"""Token introspection (RFC 7662), on the admin port as in Hydra.

§2.2: a token that is expired, revoked, malformed, foreign or otherwise
unusable is simply ``{"active": false}``; so is one that lacks a scope named
in the optional ``scope`` parameter (fosite's check). Active answers carry
Hydra's fields; empty ones are left out as Hydra does.

A JWT access token (``strategies.access_token: jwt``) is verified before its
row is looked up (:meth:`JWTStrategy.verify`: signature, ``exp``, ``nbf``,
``iss``), as Hydra does; its signature segment alone proves nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from roost.oauth2 import scopes as sc
from roost.oauth2.tokens.hmac import ACCESS_PREFIX, REFRESH_PREFIX, HMACStrategy, signature_hash
from roost.oauth2.tokens.record import TokenRecord

INACTIVE: dict[str, Any] = {"active": False}


class JWTVerifier(Protocol):
    async def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a JWT access token this service signed and that is in force."""
        ...


class TokenLookup(Protocol):
    async def get_access(self, signature_hash: str) -> TokenRecord | None: ...

    async def get_refresh(self, signature: str) -> TokenRecord | None: ...


def _epoch(value: datetime) -> int:
    return int(value.replace(tzinfo=UTC).timestamp())


class Introspector:
    def __init__(
        self,
        tokens: TokenLookup,
        hmac: HMACStrategy,
        jwt: JWTVerifier,
        issuer: str,
        strategy: sc.ScopeStrategy,
    ) -> None:
        self.tokens = tokens
        self.hmac = hmac
        self.jwt = jwt
        self.issuer = issuer
        self.strategy = strategy

    async def find(self, token: str) -> tuple[TokenRecord, str] | None:
        """The stored record of a token and its use, or None when it is not ours or gone."""
        if token.startswith(REFRESH_PREFIX):
            sig = self.hmac.validate(token, REFRESH_PREFIX)
            record = await self.tokens.get_refresh(sig) if sig else None
            return (record, "refresh_token") if record else None
        if token.startswith(ACCESS_PREFIX):
            sig = self.hmac.validate(token, ACCESS_PREFIX)
        elif token.count(".") == 2 and len(token) < 16384:
            if await self.jwt.verify(token) is None:
                return None
            sig = token.rpartition(".")[
                2
            ]  # a verified JWT access token: its signature keys the row
        else:
            return None
        record = await self.tokens.get_access(signature_hash(sig)) if sig else None
        return (record, "access_token") if record else None

    async def introspect(self, token: str, scope: str | None) -> dict[str, Any]:
        found = await self.find(token)
        if found is None:
            return INACTIVE
        record, use = found
        now = datetime.now(UTC).replace(tzinfo=None)
        if not record.active or (record.expires_at is not None and record.expires_at <= now):
            return INACTIVE
        for wanted in sc.split(scope):
            if not self.strategy(record.granted_scope, wanted):
                return INACTIVE
        out: dict[str, Any] = {"active": True, "client_id": record.client_id}
        if record.expires_at is not None:
            out["exp"] = _epoch(record.expires_at)
        out["iat"] = _epoch(record.requested_at)
        out["iss"] = self.issuer
        out["nbf"] = _epoch(record.requested_at)
        if record.granted_scope:
            out["scope"] = " ".join(record.granted_scope)
        if record.granted_audience:
            out["aud"] = record.granted_audience
        out["sub"] = record.subject
        claims = (record.session.get("id_token") or {}).get("id_token_claims") or {}
        if claims.get("sub") and claims["sub"] != record.subject:
            out["obfuscated_subject"] = claims["sub"]  # the pairwise ``sub`` of the ID token
        out["token_type"] = "DPoP" if record.dpop_jkt else "Bearer"
        out["token_use"] = use
        if record.dpop_jkt:
            out["cnf"] = {"jkt": record.dpop_jkt}  # RFC 9449 §6.2
        if record.extra:
            out["ext"] = record.extra
        return out
