"""Checks shared by both uses of RFC 7523 assertions (§3 "JWT Format and Processing").

Signature verification is joserfc's; this module checks the claims: ``aud``
names the token endpoint (§3 item 3), ``exp`` is present and in the future
(item 4), ``nbf``/``iat`` are sane, the assertion lives no longer than
``oauth2.grant.jwt.max_ttl``, and its ``jti`` has not been seen (item 7,
"the authorization server MAY ensure that JWTs are not replayed").
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from roost.core.errors import Conflict

SKEW = 60  # seconds of clock skew tolerated on exp/nbf/iat


class JTIRegistry(Protocol):
    async def use_jti(self, signature: str, expires_at: datetime, now: datetime) -> None: ...


@dataclass(frozen=True)
class AssertionRules:
    token_urls: tuple[str, ...]
    max_ttl: timedelta
    jti_optional: bool
    iat_optional: bool


class AssertionError_(Exception):
    """The assertion is not acceptable; the message says why (safe to show)."""


def unverified(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims before verification, to find the key; never trusted as such."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise AssertionError_("The assertion is not a compact JWS.")
    try:
        header, claims = (
            json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in parts[:2]
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise AssertionError_("The assertion is not a valid JWT.") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise AssertionError_("The assertion is not a valid JWT.")
    return header, claims


def verify_signature(assertion: str, keys: KeySet, algorithms: Sequence[str]) -> dict[str, Any]:
    try:
        token = jwt.decode(assertion, keys, algorithms=list(algorithms))
    except (JoseError, ValueError, TypeError) as exc:
        raise AssertionError_(f"The assertion signature could not be verified: {exc}") from exc
    return dict(token.claims)


async def check_claims(claims: dict[str, Any], rules: AssertionRules, jtis: JTIRegistry) -> None:
    now = time.time()
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if not any(a in rules.token_urls for a in audiences):
        raise AssertionError_(
            f"The assertion's 'aud' claim must contain the token endpoint {rules.token_urls[0]}."
        )
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise AssertionError_("The assertion must contain an 'exp' claim.")
    if exp + SKEW < now:
        raise AssertionError_("The assertion has expired.")
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and nbf - SKEW > now:
        raise AssertionError_("The assertion is not valid yet ('nbf').")
    iat = claims.get("iat")
    if iat is None and not rules.iat_optional:
        raise AssertionError_("The assertion must contain an 'iat' claim.")
    if isinstance(iat, int | float):
        if iat - SKEW > now:
            raise AssertionError_("The assertion was issued in the future ('iat').")
        if exp - iat > rules.max_ttl.total_seconds():
            raise AssertionError_("The assertion's lifetime exceeds oauth2.grant.jwt.max_ttl.")
    elif exp - now > rules.max_ttl.total_seconds():
        raise AssertionError_("The assertion's lifetime exceeds oauth2.grant.jwt.max_ttl.")
    jti = claims.get("jti")
    if not jti:
        if not rules.jti_optional:
            raise AssertionError_("The assertion must contain a 'jti' claim.")
        return
    signature = hashlib.new("sha512_256", str(jti).encode()).hexdigest()
    expires = datetime.fromtimestamp(float(exp), UTC).replace(tzinfo=None)
    try:
        await jtis.use_jti(signature, expires, datetime.now(UTC).replace(tzinfo=None))
    except Conflict:
        raise AssertionError_("The assertion's 'jti' was used before (replay).") from None
