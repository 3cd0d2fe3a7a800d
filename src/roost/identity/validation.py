"""The identity service's input limits: what Kratos's columns hold, checked before any SQL.

Two moments: a parsed body (:func:`check_document`, every admin and
self-service body, before it means anything) and an identity about to be
written (:func:`check_identity`, once its identifiers and addresses are
derived from the traits). Lengths are those of Kratos's columns
(``identities.schema_id`` varchar(2048), ``external_id`` varchar(64),
``identity_credential_identifiers.identifier`` varchar(255), the addresses'
``value`` varchar(400)); SQLite would keep longer values, PostgreSQL and
CockroachDB would fail, so Roost refuses them everywhere (decision 0018).
"""

from __future__ import annotations

from typing import Any

from roost.core.errors import Invalid
from roost.core.limits import check_fields, check_text, check_tree
from roost.identity.identities.model import Identity
from roost.identity.schemas.manager import IdentitySchema

BODY_FIELDS = {"schema_id": 2048, "external_id": 64, "state": 255, "organization_id": 36}
"""Top-level members of an identity body and the length of their column."""
IDENTIFIER = 255
ADDRESS = 400
PASSWORD = 4096
"""Kratos hashes at most this much of a password; longer ones are refused, not truncated."""


QUERY_VALUES = {"return_to": 2048, "login_challenge": 4096}
"""Browser init parameters kept in a flow (``request_url``, ``internal_context``)."""


def check_query(params: dict[str, str]) -> None:
    """The browser layer's query parameters: storable text of bounded length."""
    for name, limit in QUERY_VALUES.items():
        check_text(name, params.get(name), limit)


def check_document(data: Any) -> None:
    """Any parsed body: storable strings and keys, finite numbers, bounded nesting."""
    check_tree(data)


def check_identity_body(body: dict[str, Any], prefix: str = "") -> None:
    """An identity create or update body's own fields against their columns."""
    check_fields(body, BODY_FIELDS, prefix)


def check_password(value: Any, max_bytes: int | None, field: str = "password") -> None:
    """A cleartext password the hasher will take whole (bcrypt: 72 bytes, as Kratos)."""
    check_text(field, value, PASSWORD)
    if isinstance(value, str) and max_bytes is not None and len(value.encode()) > max_bytes:
        raise Invalid(f"{field} must be at most {max_bytes} bytes long")


def check_identity(schema: IdentitySchema, ident: Identity) -> None:
    """The rows an identity becomes: identifiers and addresses named by their trait."""
    for f in schema.fields:
        value = _lookup(ident.traits, f.path)
        if f.password_identifier:
            check_text(f"traits.{f.path}", value, IDENTIFIER)
        if f.verification_via or f.recovery_via:
            check_text(f"traits.{f.path}", value, ADDRESS)
    for kind, cred in ident.credentials.items():
        for identifier in cred.identifiers:
            check_text(f"credentials.{kind}.identifiers", identifier, IDENTIFIER)
    for address in (*ident.verifiable_addresses, *ident.recovery_addresses):
        check_text("verifiable_addresses.value", address.value, ADDRESS)


def _lookup(traits: Any, path: str) -> Any:
    node = traits
    for key in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node
