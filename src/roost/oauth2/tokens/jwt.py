"""JWT access tokens (``strategies.access_token: jwt``), reference §4.4.

Signed with the newest key of ``hydra.jwt.access-token`` (RS256, generated on
first need). Claims are Hydra's: ``iss sub aud exp iat nbf jti client_id scp``
plus ``ext`` when ``oauth2.mirror_top_level_claims``. The token's signature
part is what the database keys on, as for opaque tokens.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from joserfc import jwt
from joserfc.jwk import import_key

from roost.oauth2.jwk.manager import ACCESS_TOKEN_SET, KeyManager


def scope_claims(scopes: Sequence[str], style: str) -> dict[str, Any]:
    """``strategies.jwt.scope_claim``: ``scp`` as a list, ``scope`` as a string, or both."""
    out: dict[str, Any] = {}
    if style in ("list", "both"):
        out["scp"] = list(scopes)
    if style in ("string", "both"):
        out["scope"] = " ".join(scopes)
    return out


class JWTStrategy:
    def __init__(self, keys: KeyManager, issuer: str, scope_claim: str, *, nbf: bool) -> None:
        self.keys = keys
        self.issuer = issuer
        self.scope_claim = scope_claim
        self.nbf = nbf

    async def generate(
        self,
        *,
        client_id: str,
        subject: str,
        scopes: Sequence[str],
        audience: Sequence[str],
        issued_at: int,
        expires_at: int,
        extra: dict[str, Any],
        mirror: bool,
    ) -> str:
        key = await self.keys.signing_key(ACCESS_TOKEN_SET)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": list(audience),
            "exp": expires_at,
            "iat": issued_at,
            "jti": str(uuid.uuid4()),
            "client_id": client_id,
            **scope_claims(scopes, self.scope_claim),
        }
        if self.nbf:
            claims["nbf"] = issued_at
        if mirror and extra:
            claims["ext"] = extra
        header = {"alg": key.get("alg", "RS256"), "kid": key["kid"], "typ": "JWT"}
        return jwt.encode(header, claims, import_key(key))
