"""ID tokens (OpenID Connect Core §2, §3.1.3.6), signed with the ``hydra.openid.id-token`` keys.

Claims are Hydra's: ``iss sub aud exp iat auth_time rat nonce at_hash acr amr
sid jti``, plus the consent's ``session.id_token`` claims, which may not
override the protocol claims. ``at_hash`` (and ``c_hash``, §3.3.2.11) is the left
half of the hash of the access token (the code), the hash named by the
signing algorithm (§3.1.3.6).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from joserfc import jwt
from joserfc.jwk import Key, KeySet

ID_TOKEN_SET = "hydra.openid.id-token"  # noqa: S105 - a key set name
PROTECTED = frozenset(
    {"iss", "sub", "aud", "exp", "iat", "nbf", "auth_time", "rat", "nonce", "at_hash", "c_hash",
     "acr", "amr", "sid", "jti", "azp"}
)  # fmt: skip


class SigningKeys(Protocol):
    async def signing_key(self, set_id: str, alg: str = "RS256") -> dict[str, Any]: ...

    def key_object(self, jwk: dict[str, Any]) -> Key:
        """The parsed key (cached: parsing an RSA-4096 private key costs ≈ 0.3 s)."""
        ...


def epoch(value: datetime) -> int:
    return int(value.replace(tzinfo=UTC).timestamp())


def half_hash(value: str, alg: str) -> str:
    """§3.1.3.6: base64url of the left half of the hash (SHA-256 for *256, and so on)."""
    bits = alg[-3:] if alg[-3:] in ("256", "384", "512") else "256"
    digest = hashlib.new(f"sha{bits}", value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


class IDTokenSigner:
    def __init__(self, keys: SigningKeys, issuer: str, ttl: timedelta) -> None:
        self.keys = keys
        self.issuer = issuer
        self.ttl = ttl

    def claims(
        self,
        *,
        client_id: str,
        subject: str,
        now: datetime,
        session: dict[str, Any],
        lifespan: timedelta | None = None,
    ) -> dict[str, Any]:
        """The claims without ``at_hash`` (stored with the grant, shown by userinfo)."""
        extra = {k: v for k, v in (session.get("extra") or {}).items() if k not in PROTECTED}
        out: dict[str, Any] = {
            **extra,
            "iss": self.issuer,
            "sub": subject,
            "aud": [client_id],
            "iat": epoch(now),
            "exp": epoch(now + (lifespan or self.ttl)),
            "rat": session.get("rat", epoch(now)),
            "jti": str(uuid.uuid4()),
        }
        if session.get("auth_time"):
            out["auth_time"] = session["auth_time"]
        for key in ("nonce", "acr", "sid"):
            if session.get(key):
                out[key] = session[key]
        if session.get("amr"):
            out["amr"] = list(session["amr"])
        return out

    async def sign(
        self, claims: dict[str, Any], access_token: str | None, *, code: str | None = None
    ) -> str:
        """The signed ID token; ``at_hash`` and ``c_hash`` for what is issued with it."""
        key = await self.keys.signing_key(ID_TOKEN_SET)
        alg = key.get("alg", "RS256")
        body = dict(claims)
        if access_token:
            body["at_hash"] = half_hash(access_token, alg)
        if code:
            body["c_hash"] = half_hash(code, alg)
        header = {"alg": alg, "kid": key["kid"], "typ": "JWT"}
        return jwt.encode(header, body, self.keys.key_object(key))


class VerificationKeys(SigningKeys, Protocol):
    async def get(self, set_id: str, kid: str | None = None) -> list[dict[str, Any]]: ...


class InvalidHint(Exception):
    """The ``id_token_hint`` was not issued by this server (or was altered)."""


async def verify_hint(keys: VerificationKeys, token: str, issuer: str) -> dict[str, Any]:
    """The claims of an ID token this issuer signed; expiry is not checked (RP-Initiated
    Logout 1.0 §2: "The OP need not be listed as an audience ... when the ID Token is
    expired")."""
    await keys.signing_key(ID_TOKEN_SET)
    try:
        key_set = KeySet([keys.key_object(k) for k in await keys.get(ID_TOKEN_SET)])
        decoded = jwt.decode(token, key_set)
    except Exception as exc:  # any failure to decode or verify is the same answer
        raise InvalidHint("The id_token_hint is not valid.") from exc
    claims = dict(decoded.claims)
    if claims.get("iss") != issuer or not isinstance(claims.get("sub"), str):
        raise InvalidHint("The id_token_hint was not issued by this server.")
    return claims
