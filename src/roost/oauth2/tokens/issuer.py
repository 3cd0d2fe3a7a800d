"""Minting and storing the tokens of a granted request, whatever the grant.

Every grant ends here with what was decided (client, subject, scopes,
audiences); the issuer picks the lifespans (per client, else ``ttl.*``), the
strategy (per client ``access_token_strategy``, else ``strategies.access_token``),
builds the stored records and writes them in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from roost.oauth2.clients.model import Client
from roost.oauth2.tokens.hmac import (
    ACCESS_PREFIX,
    REFRESH_PREFIX,
    HMACStrategy,
    signature_hash,
    signature_of,
)
from roost.oauth2.tokens.hook import HookCall, TokenHook
from roost.oauth2.tokens.jwt import JWTStrategy
from roost.oauth2.tokens.record import TokenRecord

# Which ``*_grant_*_lifespan`` client field a grant type reads.
GRANT_LIFESPAN_PREFIX = {
    "client_credentials": "client_credentials_grant",
    "refresh_token": "refresh_token_grant",
    "urn:ietf:params:oauth:grant-type:jwt-bearer": "jwt_bearer_grant",
    "authorization_code": "authorization_code_grant",
    "implicit": "implicit_grant",
    "urn:ietf:params:oauth:grant-type:device_code": "device_authorization_grant",
}
# Fields of the request form kept in ``form_data`` (never secrets, codes or assertions).
STORED_FORM_KEYS = ("grant_type", "scope", "audience", "redirect_uri", "response_type", "state")


class TokenStore(Protocol):
    """Where issued tokens go; each call is one transaction."""

    async def create(self, access: TokenRecord, refresh: TokenRecord | None = None) -> None: ...

    async def rotate_refresh(
        self, request_id: str, used: str, access: TokenRecord, refresh: TokenRecord
    ) -> bool:
        """Retire the refresh token ``used`` and store the new pair; False if it lost a race."""
        ...


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Granted:
    """The outcome of a grant: who gets which token, with which scopes and audiences."""

    client: Client
    grant_type: str
    subject: str
    requested_scope: list[str]
    granted_scope: list[str]
    requested_audience: list[str] = field(default_factory=list)
    granted_audience: list[str] = field(default_factory=list)
    form: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    id_token_claims: dict[str, Any] = field(default_factory=dict)
    """The ID token's claims, kept with the tokens for userinfo (OpenID grants only)."""
    hooked: bool = False
    """The token hook has had its say (``TokenIssuer.run_hook``)."""
    dpop_jkt: str | None = None
    """The DPoP key (RFC 9449) the access token is bound to; the refresh token too for a
    public client (§5: a confidential client's refresh token is bound by its credentials)."""


@dataclass(frozen=True)
class Lifespans:
    access: timedelta
    refresh: timedelta | None


class TokenIssuer:
    def __init__(
        self,
        store: TokenStore,
        hmac: HMACStrategy,
        jwt: JWTStrategy,
        *,
        default_strategy: str,
        access_ttl: timedelta,
        refresh_ttl: timedelta | None,
        mirror_claims: bool,
        hooks: Sequence[TokenHook] = (),
    ) -> None:
        self.hooks = tuple(hooks)
        self.store = store
        self.hmac = hmac
        self.jwt = jwt
        self.default_strategy = default_strategy
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.mirror_claims = mirror_claims

    async def run_hook(self, g: Granted, id_extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """``oauth2.token_hook`` on ``g``: it may replace ``g.extra``; returns the ID token's
        custom claims (``id_extra``, or the hook's replacement)."""
        g.hooked = True
        id_extra = dict(id_extra or {})
        for hook in self.hooks:  # each sees what the one before it decided
            answer = await hook(
                HookCall(
                    client_id=g.client.id,
                    grant_type=g.grant_type,
                    subject=g.subject,
                    requested_scope=g.requested_scope,
                    granted_scope=g.granted_scope,
                    granted_audience=g.granted_audience,
                    extra=g.extra,
                    id_token_claims=g.id_token_claims,
                    id_extra=id_extra,
                    request_id=g.request_id,
                )
            )
            if answer is not None:
                g.extra, id_extra = answer.access_extra, answer.id_extra
        return id_extra

    def lifespans(self, client: Client, grant_type: str) -> Lifespans:
        prefix = GRANT_LIFESPAN_PREFIX.get(grant_type, "")
        access = client.lifespan(f"{prefix}_access_token_lifespan") if prefix else None
        refresh = client.lifespan(f"{prefix}_refresh_token_lifespan") if prefix else None
        return Lifespans(access or self.access_ttl, refresh or self.refresh_ttl)

    def _record(
        self, g: Granted, signature: str, now: datetime, expires: datetime | None, *, bound: bool
    ) -> TokenRecord:
        session: dict[str, Any] = {
            "id_token": {
                "subject": g.subject,
                "expires_at": {},
                "headers": {},
                "id_token_claims": g.id_token_claims,
            },
            "extra": g.extra,
            "kid": "",
            "client_id": g.client.id,
        }
        if bound and g.dpop_jkt:
            session["dpop_jkt"] = g.dpop_jkt
        return TokenRecord(
            signature=signature,
            request_id=g.request_id,
            requested_at=now,
            client_id=g.client.id,
            subject=g.subject,
            expires_at=expires,
            requested_scope=g.requested_scope,
            granted_scope=g.granted_scope,
            requested_audience=g.requested_audience,
            granted_audience=g.granted_audience,
            form=g.form,
            session=session,
        )

    async def issue(
        self, g: Granted, *, refresh: bool = False, rotating: TokenRecord | None = None
    ) -> dict[str, Any] | None:
        """Mint, store and describe the tokens (RFC 6749 §5.1).

        With ``rotating`` (the presented refresh token) the grant's old tokens
        are retired in the same transaction; None means that rotation lost a race.
        """
        if not g.hooked:
            await self.run_hook(g)
        now = now_utc().replace(microsecond=0)
        spans = self.lifespans(g.client, g.grant_type)
        expires = now + spans.access
        strategy = g.client.doc.get("access_token_strategy") or self.default_strategy
        if strategy == "jwt":
            token = await self.jwt.generate(
                client_id=g.client.id,
                subject=g.subject,
                scopes=g.granted_scope,
                audience=g.granted_audience,
                issued_at=int(now.replace(tzinfo=UTC).timestamp()),
                expires_at=int(expires.replace(tzinfo=UTC).timestamp()),
                extra=g.extra,
                mirror=self.mirror_claims,
                cnf={"jkt": g.dpop_jkt} if g.dpop_jkt else None,
            )
            signature = signature_of(token)
        else:
            token, signature = self.hmac.generate(ACCESS_PREFIX)
        access = self._record(g, signature_hash(signature), now, expires, bound=True)
        out: dict[str, Any] = {
            "access_token": token,
            "expires_in": int(spans.access.total_seconds()),
            "scope": " ".join(g.granted_scope),
            "token_type": "DPoP" if g.dpop_jkt else "bearer",
        }
        refresh_rec = None
        if refresh:
            refresh_token, refresh_sig = self.hmac.generate(REFRESH_PREFIX)
            refresh_exp = now + spans.refresh if spans.refresh else None
            refresh_rec = self._record(g, refresh_sig, now, refresh_exp, bound=g.client.is_public)
            out["refresh_token"] = refresh_token
        if rotating is not None and refresh_rec is not None:
            if not await self.store.rotate_refresh(
                rotating.request_id, rotating.signature, access, refresh_rec
            ):
                return None
        else:
            await self.store.create(access, refresh_rec)
        return out
