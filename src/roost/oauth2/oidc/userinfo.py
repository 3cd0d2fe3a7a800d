"""The UserInfo endpoint (OpenID Connect Core §5.3), as JSON or as a signed JWT.

The bearer access token must be active and carry the ``openid`` scope; the
answer is the ID token's claims kept with the token, less the ones that only
make sense in an ID token (``nonce at_hash c_hash exp sid jti``), with the
client in ``aud`` — the claims Hydra's userinfo shows. A client registered
with ``userinfo_signed_response_alg: RS256`` gets them as a JWT (§5.3.2,
``application/jwt``) signed with the ID-token key, with a fresh ``iat`` and
``jti``, as Hydra does.

With DPoP on (RFC 9449 §7) a DPoP-bound token is accepted only as
``Authorization: DPoP <token>`` with a proof of its key over this request and
token (``ath``), and refused as a bearer token.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from roost.oauth2.clients.model import Client
from roost.oauth2.rfc6749.errors import OAuth2Error, RequestUnauthorized
from roost.oauth2.rfc9449 import DPoP, InvalidToken, Presented, challenge, check_resource
from roost.oauth2.tokens.record import TokenRecord

HIDDEN = frozenset({"nonce", "at_hash", "c_hash", "exp", "sid", "jti"})


class InsufficientScope(OAuth2Error):
    """RFC 6750 §3.1."""

    error, status = "insufficient_scope", 403
    description = "The request requires higher privileges than provided by the access token."


class AccessTokens(Protocol):
    async def find(self, token: str) -> tuple[TokenRecord, str] | None:
        """The stored record of a token and its use (``access_token``, ``refresh_token``)."""
        ...


class ClientSource(Protocol):
    async def get(self, client_id: str) -> Client | None: ...


class Signer(Protocol):
    async def sign(self, claims: dict[str, Any], access_token: str | None) -> str:
        """A JWT of ``claims`` signed with the ID-token key."""
        ...


@dataclass(frozen=True)
class Answer:
    claims: dict[str, Any]
    jwt: str | None = None  # set when the client asked for signed userinfo


class UserInfo:
    def __init__(
        self,
        tokens: AccessTokens,
        clients: ClientSource,
        signer: Signer,
        dpop: DPoP | None = None,
    ) -> None:
        self.tokens = tokens
        self.clients = clients
        self.signer = signer
        self.dpop = dpop  # None while DPoP is off

    async def answer(self, request: Presented) -> Answer:
        """The claims, signed when the token's client registered an algorithm for it."""
        try:
            record = await self._record(request.token)
        except RequestUnauthorized as exc:
            if self.dpop is not None and request.scheme == "dpop":
                raise challenge(InvalidToken(exc.hint), self.dpop.policy.algorithms) from exc
            raise
        if self.dpop is not None:
            await check_resource(self.dpop, request, record.dpop_jkt)
        claims = _claims(record)
        client = await self.clients.get(record.client_id)
        if client is None or client.doc.get("userinfo_signed_response_alg") != "RS256":
            return Answer(claims)
        now = int(datetime.now(UTC).timestamp())
        return Answer(claims, await self.signer.sign(
            {**claims, "iat": now, "jti": str(uuid.uuid4())}, None))  # fmt: skip

    async def claims(self, token: str) -> dict[str, Any]:
        return _claims(await self._record(token))

    async def _record(self, token: str) -> TokenRecord:
        """The token's record if it is an active access token with ``openid``."""
        found = await self.tokens.find(token) if token else None
        now = datetime.now(UTC).replace(tzinfo=None)
        if found is None or found[1] != "access_token":
            raise RequestUnauthorized(
                "The access token is missing, invalid or not an access token."
            )
        record = found[0]
        if not record.active or (record.expires_at is not None and record.expires_at <= now):
            raise RequestUnauthorized("The access token expired or was revoked.")
        if "openid" not in record.granted_scope:
            raise InsufficientScope("The access token was not granted the 'openid' scope.")
        return record


def _claims(record: TokenRecord) -> dict[str, Any]:
    stored = (record.session.get("id_token") or {}).get("id_token_claims") or {}
    out = {k: v for k, v in stored.items() if k not in HIDDEN}
    out["sub"] = stored.get("sub") or record.subject  # the ID token's: pairwise if so
    stored_aud = out.get("aud")
    aud: list[Any] = stored_aud if isinstance(stored_aud, list) else []
    out["aud"] = aud if record.client_id in aud else [*aud, record.client_id]
    return out
