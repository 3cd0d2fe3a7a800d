"""JWT access tokens (``strategies.access_token: jwt``), reference §4.4.

Signed with the newest key of ``hydra.jwt.access-token`` (RS256, generated on
first need). Claims are Hydra's: ``iss sub aud exp iat nbf jti client_id scp``
plus ``ext`` when ``oauth2.mirror_top_level_claims``. The token's signature
part is what the database keys on, as for opaque tokens.

:meth:`JWTStrategy.verify` is what introspection, revocation and userinfo ask
before that lookup, as Hydra does: the signature against the key its ``kid``
names in the service's own set (with that key's algorithm only), then ``exp``,
``nbf`` and ``iss``. A string that merely ends in a real token's signature
segment, or a real token with its payload changed, fails here.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError

from roost.oauth2.jwk.manager import ACCESS_TOKEN_SET, KeyManager

NBF_SKEW = 5
"""Seconds an ``nbf`` may lie ahead (minted just now on a replica whose clock runs ahead)."""


def _number(value: Any) -> float | None:
    """A NumericDate claim (RFC 7519 §2) as a number, or None when it is not one."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


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
        cnf: dict[str, str] | None = None,
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
        if cnf:
            claims["cnf"] = cnf  # RFC 9449 §6.1: the DPoP key's thumbprint
        header = {"alg": key.get("alg", "RS256"), "kid": key["kid"], "typ": "JWT"}
        return jwt.encode(header, claims, self.keys.key_object(key))

    async def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a JWT access token this service signed and that is in force, else None.

        RFC 7519 §7.2: the JWS must validate (step 9; RFC 7515 §5.2), with the
        algorithm of the key it names, never one the header picks on its own;
        then the claims this service always sets: ``exp`` in the future
        (§4.1.4), ``nbf`` not ahead of now (§4.1.5), ``iss`` our issuer (§4.1.1).
        """
        try:
            header = jws.extract_compact(token.encode()).headers()
        except (JoseError, ValueError, TypeError, UnicodeError):
            return None
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            return None
        key = await self.keys.verification_key(ACCESS_TOKEN_SET, kid)
        if key is None:
            return None
        try:
            decoded = jwt.decode(
                token, self.keys.key_object(key), algorithms=[key.get("alg", "RS256")]
            )
        except (JoseError, ValueError, TypeError):
            return None
        claims = dict(decoded.claims)
        now = time.time()
        exp, nbf = _number(claims.get("exp")), _number(claims.get("nbf", now))
        if exp is None or nbf is None or exp <= now or nbf - NBF_SKEW > now:
            return None
        if claims.get("iss") != self.issuer:
            return None
        return claims
