"""The OAuth 2.0 client as Hydra shows it (``oAuth2Client``) and as Hydra stores it.

A client is kept as the validated JSON document the admin API speaks, wrapped
in :class:`Client` for the few fields the token endpoint reads. Validation
follows Hydra's ``client/validator.go``: defaults for grant and response types,
``client_secret_basic`` as the default auth method, a secret of at least six
characters, no ``jwks`` together with ``jwks_uri``, redirect URIs absolute and
without fragment. A violation is :class:`InvalidClientMetadata` (RFC 7591 §3.2.2).
"""

from __future__ import annotations

import secrets as pysecrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from roost.core.errors import Invalid
from roost.oauth2 import durations
from roost.oauth2.clients.fields import (
    BOOL_FIELDS,
    LIFESPANS,
    LIST_FIELDS,
    SHORT_FIELDS,
    TEXT_FIELDS,
)
from roost.oauth2.clients.schema import client_body_error
from roost.oauth2.rfc6749.errors import OAuth2Error
from roost.oauth2.validation import check_client

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
ASSERTION_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
SECRET_ALPHABET = string.ascii_letters + string.digits + "-_.~"
SECRET_LENGTH = 26
# Hydra omits these from its JSON when empty (``omitempty``); the rest are always present.
OMIT_EMPTY = frozenset(
    {
        *LIST_FIELDS,
        "jwks_uri",
        "sector_identifier_uri",
        "access_token_strategy",
        "token_endpoint_auth_signing_alg",
        "frontchannel_logout_uri",
        "backchannel_logout_uri",
        "frontchannel_logout_session_required",
        "backchannel_logout_session_required",
    }
) - {"grant_types", "response_types"}


class InvalidClientMetadata(OAuth2Error):
    """RFC 7591 §3.2.2."""

    error, status = "invalid_client_metadata", 400
    description = (
        "The value of one of the Client Metadata fields is invalid and the server has "
        "rejected this request. Note that an Authorization Server MAY choose to substitute "
        "a valid value for any requested parameter of a Client's Metadata."
    )


def generate_secret() -> str:
    """26 characters from ``[a-zA-Z0-9_-.~]``, like Hydra's ``x.GenerateSecret``."""
    return "".join(pysecrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _rfc3339(value: datetime) -> str:
    return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Client:
    """A stored client: its API document plus the secret hash (never shown)."""

    doc: dict[str, Any]
    secret_hash: str
    rotated_hashes: tuple[str, ...] = ()
    """Hashes of earlier secrets that still authenticate (secret rotation), newest first."""

    @property
    def id(self) -> str:
        return str(self.doc["client_id"])

    @property
    def auth_method(self) -> str:
        return str(self.doc["token_endpoint_auth_method"])

    @property
    def grant_types(self) -> list[str]:
        return list(self.doc["grant_types"])

    @property
    def scopes(self) -> list[str]:
        return str(self.doc["scope"]).split()

    @property
    def audience(self) -> list[str]:
        return list(self.doc.get("audience") or [])

    @property
    def is_public(self) -> bool:
        return self.auth_method == "none"

    @property
    def jwks(self) -> dict[str, Any]:
        jwks = self.doc.get("jwks") or {}
        return jwks if isinstance(jwks, dict) else {}

    @property
    def jwks_uri(self) -> str:
        return str(self.doc.get("jwks_uri") or "")

    def lifespan(self, name: str) -> timedelta | None:
        """A per-client lifespan such as ``client_credentials_grant_access_token_lifespan``."""
        value = self.doc.get(name)
        return durations.parse(value) if value else None

    def api(self, *, secret: str | None = None) -> dict[str, Any]:
        """The ``oAuth2Client`` JSON: Hydra's field set, empty optional fields omitted."""
        out = {k: v for k, v in self.doc.items() if not (k in OMIT_EMPTY and not v)}
        if secret is not None:
            out["client_secret"] = secret
        return out


def _expect(body: dict[str, Any], key: str, kind: type | tuple[type, ...], label: str) -> Any:
    if key not in body:
        return None
    value = body[key]
    if value is None or not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidClientMetadata(f"Field {key} must be {label}.")
    return value


def _string_list(body: dict[str, Any], key: str) -> list[str]:
    value = _expect(body, key, list, "an array of strings") or []
    if not all(isinstance(v, str) for v in value):
        raise InvalidClientMetadata(f"Field {key} must be an array of strings.")
    return list(value)


def _absolute_uri(uri: str, field: str) -> None:
    try:
        parts = urlsplit(uri)
    except ValueError:
        raise InvalidClientMetadata(f"Field {field} contains an invalid URI {uri!r}.") from None
    if not parts.scheme or not (parts.netloc or parts.path):
        raise InvalidClientMetadata(f"Field {field} must contain absolute URIs, got {uri!r}.")
    if parts.fragment or "#" in uri:
        raise InvalidClientMetadata(f"Redirect URIs must not contain fragments ({uri!r}).")


def validate(
    body: Any,
    *,
    default_scope: tuple[str, ...],
    existing: Client | None = None,
) -> tuple[dict[str, Any], str | None]:
    """Validate a create/update body; returns (document without secret, secret or None)."""
    if not isinstance(body, dict):
        raise InvalidClientMetadata("The request body must be a JSON object.")
    try:
        check_client(body)
    except Invalid as exc:
        raise InvalidClientMetadata(f"Field {exc.reason}.") from None
    problem = client_body_error(body)
    if problem is not None:
        raise InvalidClientMetadata(f"The client document is malformed: {problem}.")
    doc: dict[str, Any] = {}
    client_id = _expect(body, "client_id", str, "a string") or (existing.id if existing else "")
    doc["client_id"] = client_id
    for key in (*TEXT_FIELDS, *SHORT_FIELDS):
        doc[key] = _expect(body, key, str, "a string") or ""
    for key in LIST_FIELDS:
        doc[key] = _string_list(body, key)
    for key in BOOL_FIELDS:
        doc[key] = bool(_expect(body, key, bool, "a boolean"))
    expires_at = body.get("client_secret_expires_at") or 0
    if isinstance(expires_at, int) and not 0 <= expires_at <= 2**31 - 1:
        raise InvalidClientMetadata("Field client_secret_expires_at is out of range.")
    doc["client_secret_expires_at"] = (
        _expect(body, "client_secret_expires_at", int, "an integer") or 0
    )
    for key in LIFESPANS:
        value = _expect(body, key, str, "a duration string")
        if value:
            try:
                ns = durations.parse_ns(value)
            except ValueError:
                raise InvalidClientMetadata(f"Field {key} must be a duration like 1h.") from None
            if ns < 0:
                raise InvalidClientMetadata(f"Field {key} must not be negative.")
            doc[key] = durations.format_ns(ns)
    jwks = body.get("jwks", {})
    if not (isinstance(jwks, dict) and isinstance(jwks.get("keys", []), list)):
        raise InvalidClientMetadata("Field jwks must be a JSON Web Key Set.")
    doc["jwks"] = jwks or {}
    metadata = body.get("metadata")
    doc["metadata"] = {} if metadata is None else metadata
    secret = _expect(body, "client_secret", str, "a string") or None

    if not doc["grant_types"]:
        doc["grant_types"] = ["authorization_code"]
    if not doc["response_types"]:
        doc["response_types"] = ["code"]
    if not doc["scope"]:
        doc["scope"] = " ".join(default_scope)
    method = doc["token_endpoint_auth_method"] or "client_secret_basic"
    if method not in AUTH_METHODS:
        raise InvalidClientMetadata(
            f"Field token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}."
        )
    doc["token_endpoint_auth_method"] = method
    if doc["jwks_uri"] and doc["jwks"].get("keys"):
        raise InvalidClientMetadata(
            "Fields jwks and jwks_uri can not both be set, you must choose one."
        )
    if doc["jwks_uri"]:
        _absolute_uri(doc["jwks_uri"], "jwks_uri")
    if method == "private_key_jwt":
        if not doc["jwks_uri"] and not doc["jwks"].get("keys"):
            raise InvalidClientMetadata(
                "When token_endpoint_auth_method is 'private_key_jwt', either jwks or "
                "jwks_uri must be set."
            )
        alg = doc["token_endpoint_auth_signing_alg"]
        if alg and alg not in ASSERTION_ALGS:
            raise InvalidClientMetadata(
                "Only RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 and ES512 are "
                "supported as algorithms for private key authentication."
            )
    if secret is not None and len(secret) < 6:
        raise InvalidClientMetadata(
            "Field client_secret must contain a secret that is at least 6 characters long."
        )
    for uri in doc["redirect_uris"]:
        _absolute_uri(uri, "redirect_uris")
    _check_post_logout(doc)
    doc["userinfo_signed_response_alg"] = doc["userinfo_signed_response_alg"] or "none"
    if doc["userinfo_signed_response_alg"] not in ("none", "RS256"):
        raise InvalidClientMetadata(
            "Field userinfo_signed_response_alg can either be none or RS256."
        )
    doc["request_object_signing_alg"] = doc["request_object_signing_alg"] or "RS256"
    if doc["request_object_signing_alg"] not in ("none", "RS256", "ES256"):
        raise InvalidClientMetadata(
            "Field request_object_signing_alg must be none, RS256 or ES256."
        )
    if doc["access_token_strategy"] not in ("", "opaque", "jwt"):
        raise InvalidClientMetadata("Field access_token_strategy must be opaque or jwt.")
    return doc, secret


def _check_post_logout(doc: dict[str, Any]) -> None:
    allowed = {(urlsplit(u).scheme, urlsplit(u).netloc) for u in doc["redirect_uris"]}
    for uri in doc["post_logout_redirect_uris"]:
        _absolute_uri(uri, "post_logout_redirect_uris")
        parts = urlsplit(uri)
        if (parts.scheme, parts.netloc) not in allowed:
            raise InvalidClientMetadata(
                f"post_logout_redirect_uri {uri!r} must match the domain, port, scheme of at "
                "least one of the registered redirect URIs."
            )


def stamp(doc: dict[str, Any], created: datetime | None, now: datetime | None = None) -> None:
    """Set ``created_at``/``updated_at`` (Hydra: created to the second, updated precise)."""
    now = now or _now()
    doc["created_at"] = _rfc3339((created or now).replace(microsecond=0))
    doc["updated_at"] = _rfc3339(now)
