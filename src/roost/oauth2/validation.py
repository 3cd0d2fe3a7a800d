"""The OAuth2 service's input limits: what Hydra's columns hold, checked before any SQL.

Every admin JSON body passes :func:`check_document` as it is read; each kind
of body then has its members checked against the column that will hold them
(``hydra_client.id`` varchar(255), the short enumerations of the field
catalogue, ``hydra_jwk.sid``/``kid`` varchar(255), the trust relation's
``issuer``/``subject`` varchar(255), the flow's ``subject`` and session ids,
``remember_for`` an ``INTEGER``). SQLite would keep longer values where
PostgreSQL and CockroachDB fail; Roost refuses them on every backend
(decision 0018). Violations are :class:`~roost.core.errors.Invalid`
naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roost.core.limits import INT32, check_fields, check_int, check_text, check_tree
from roost.oauth2.clients.fields import SHORT_FIELDS

ID = 255
CLIENT: Mapping[str, int] = {"client_id": ID, **SHORT_FIELDS}
TRUST: Mapping[str, int] = {"issuer": ID, "subject": ID}
FLOW: Mapping[str, int] = {
    "subject": ID,
    "identity_provider_session_id": ID,
    "force_subject_identifier": ID,
}
FLOW_INTEGERS = ("remember_for", "status_code")


def check_document(body: Any) -> None:
    """Any parsed body: storable strings and keys, finite numbers, bounded nesting."""
    check_tree(body)


def check_client(body: Any) -> None:
    """A client document's members against ``hydra_client``'s columns."""
    check_fields(body, CLIENT)
    if isinstance(body, dict):
        check_int("client_secret_expires_at", body.get("client_secret_expires_at"), INT32)


def check_key_ids(set_id: str, kid: str | None = None) -> None:
    """A JSON Web Key Set's name and a key id (``hydra_jwk.sid``, ``kid``)."""
    check_text("set", set_id, ID)
    if kid is not None:
        check_text("kid", kid, ID)


def check_trust(body: Any) -> None:
    """A ``trustOAuth2JwtGrantIssuer`` body (and the key id of its JWK)."""
    check_fields(body, TRUST)
    if isinstance(body, dict) and isinstance(body.get("jwk"), dict):
        check_text("jwk.kid", body["jwk"].get("kid"), ID)


def check_flow_body(body: Any) -> None:
    """A login/consent accept or reject body against ``hydra_oauth2_flow``."""
    check_fields(body, FLOW)
    if isinstance(body, dict):
        for name in FLOW_INTEGERS:
            check_int(name, body.get(name), INT32)
