"""Trust relations: which JWT issuer an admin allows to assert which subjects (RFC 7523 §3).

§3 leaves it to the authorization server whom it trusts; Hydra keeps a list of
relations, each naming an issuer, one subject (or any subject), the scopes it
may request, the public key its assertions are signed with, and an expiry.
This module is the relation itself and the admin document that creates it;
the JWT bearer grant (:mod:`roost.oauth2.rfc7523.grant`) reads relations, and
``roost.oauth2.sql.trust`` stores them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from roost.core.errors import Invalid
from roost.oauth2.jwk.manager import parse_jwk


@dataclass(frozen=True)
class TrustedIssuer:
    """One relation; its key lives in the JWK set named after the issuer, as in Hydra."""

    id: uuid.UUID
    issuer: str
    subject: str
    allow_any_subject: bool
    scope: list[str]
    key_set: str
    key_id: str
    created_at: datetime
    expires_at: datetime


def _rfc3339(value: datetime) -> str:
    return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def issuer_json(t: TrustedIssuer) -> dict[str, Any]:
    """Hydra's ``trustedOAuth2JwtGrantIssuer`` document."""
    return {
        "id": str(t.id),
        "issuer": t.issuer,
        "subject": t.subject,
        "allow_any_subject": t.allow_any_subject,
        "scope": t.scope,
        "public_key": {"set": t.key_set, "kid": t.key_id},
        "created_at": _rfc3339(t.created_at),
        "expires_at": _rfc3339(t.expires_at),
    }


def _parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise Invalid("Field expires_at must be an RFC 3339 date-time.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid("Field expires_at must be an RFC 3339 date-time.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).replace(tzinfo=None)


def _public_key(value: Any) -> dict[str, Any]:
    key = parse_jwk(value)
    if not key.get("kid"):
        raise Invalid("The JSON Web Key must have a 'kid'.")
    if key.get("kty") == "oct" or any(p in key for p in ("d", "p", "q")):
        raise Invalid("The JSON Web Key must be a public key.")
    return key


def relation_from_body(body: Any, now: datetime) -> tuple[TrustedIssuer, dict[str, Any]]:
    """A new relation and its public key from the admin's ``trustOAuth2JwtGrantIssuer`` body."""
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object.")
    issuer, subject = body.get("issuer"), body.get("subject") or ""
    any_subject = body.get("allow_any_subject") or False
    scope = body.get("scope")
    if not isinstance(issuer, str) or not issuer:
        raise Invalid("Field 'issuer' is required.")
    if not isinstance(subject, str) or not isinstance(any_subject, bool):
        raise Invalid("Field 'subject' must be a string and 'allow_any_subject' a boolean.")
    if bool(subject) == any_subject:
        raise Invalid("Exactly one of 'subject' or 'allow_any_subject' must be set.")
    if not isinstance(scope, list) or not all(isinstance(s, str) for s in scope):
        raise Invalid("Field 'scope' must be an array of strings.")
    key = _public_key(body.get("jwk"))
    expires = _parse_time(body.get("expires_at"))
    if expires <= now:
        raise Invalid("Field 'expires_at' must be in the future.")
    relation = TrustedIssuer(
        id=uuid.uuid4(),
        issuer=issuer,
        subject=subject,
        allow_any_subject=any_subject,
        scope=scope,
        key_set=issuer,
        key_id=key["kid"],
        created_at=now.replace(microsecond=0),
        expires_at=expires,
    )
    return relation, key
