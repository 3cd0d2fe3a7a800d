"""Login and consent flows, remembered login sessions and authorization codes.

``hydra_oauth2_flow`` holds one row per authorization request from the moment
the login challenge is issued (Hydra only writes it at the end, and carries the
state in the challenge instead; see decision 0017), ``hydra_oauth2_authentication_session``
the remembered logins behind the ``ory_hydra_session`` cookie, and
``hydra_oauth2_code`` the authorization codes, in the token tables' shape.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

FLOW = "hydra_oauth2_flow"
SESSION = "hydra_oauth2_authentication_session"
CODE = "hydra_oauth2_code"


def _json() -> Any:
    return JSON().with_variant(JSONB(), "postgresql").with_variant(JSONB(), "cockroachdb")


def _nid() -> Column[object]:
    return Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), nullable=False)


def _client_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["client_id", "nid"],
        ["hydra_client.id", "hydra_client.nid"],
        ondelete="CASCADE",
        name=f"{table}_client_id_fk",
    )


def _session(s: Schema) -> None:
    s.create_table(
        SESSION,
        Column("id", String(40), primary_key=True),
        _nid(),
        Column("authenticated_at", DateTime, nullable=True),
        Column("subject", String(255), nullable=False),
        Column("remember", Boolean, nullable=False),
        Column("identity_provider_session_id", String(255), nullable=False, server_default=""),
        Column("expires_at", DateTime, nullable=True),
    )
    s.create_index(f"{SESSION}_subject_nid_idx", SESSION, ["subject", "nid"])


def _flow_columns() -> list[Column[Any]]:
    return [
        Column("login_challenge", String(40), primary_key=True),
        _nid(),
        Column("client_id", String(255), nullable=False),
        Column("request_url", Text, nullable=False),
        Column("requested_at", DateTime, nullable=False),
        Column("requested_scope", _json(), nullable=False),
        Column("requested_at_audience", _json(), nullable=False),
        Column("oidc_context", _json(), nullable=False),
        Column("state", Integer, nullable=False),
        Column("subject", String(255), nullable=False, server_default=""),
        Column("login_skip", Boolean, nullable=False),
        Column("login_csrf", String(64), nullable=False),
        Column("login_verifier", String(64), nullable=True),
        Column("login_session_id", String(40), nullable=True),
        Column("login_remember", Boolean, nullable=False),
        Column("login_remember_for", Integer, nullable=False, server_default="0"),
        Column("login_extend_session_lifespan", Boolean, nullable=False),
        Column("login_authenticated_at", DateTime, nullable=True),
        Column("login_error", _json(), nullable=True),
        Column("identity_provider_session_id", String(255), nullable=False, server_default=""),
        Column("forced_subject_identifier", String(255), nullable=False, server_default=""),
        Column("acr", Text, nullable=False, server_default=""),
        Column("amr", _json(), nullable=True),
        Column("context", _json(), nullable=True),
        Column("consent_challenge_id", String(40), nullable=True),
        Column("consent_skip", Boolean, nullable=False),
        Column("consent_csrf", String(64), nullable=True),
        Column("consent_verifier", String(64), nullable=True),
        Column("granted_scope", _json(), nullable=True),
        Column("granted_at_audience", _json(), nullable=True),
        Column("consent_remember", Boolean, nullable=False),
        Column("consent_remember_for", Integer, nullable=True),
        Column("consent_handled_at", DateTime, nullable=True),
        Column("consent_error", _json(), nullable=True),
        Column("session_access_token", _json(), nullable=True),
        Column("session_id_token", _json(), nullable=True),
        Column("expires_at", DateTime, nullable=True),
    ]


def _flow(s: Schema) -> None:
    s.create_table(
        FLOW,
        *_flow_columns(),
        _client_fk(FLOW),
        UniqueConstraint("consent_challenge_id", name=f"{FLOW}_consent_challenge_id_key"),
    )
    s.create_index(
        f"{FLOW}_previous_consents_idx",
        FLOW,
        ["subject", "client_id", "nid", "consent_skip", "consent_remember"],
    )
    s.create_index(f"{FLOW}_client_id_idx", FLOW, ["client_id", "nid"])
    s.create_index(f"{FLOW}_login_session_id_idx", FLOW, ["login_session_id"])
    s.create_index(f"{FLOW}_requested_at_idx", FLOW, ["nid", "requested_at"])


def _code(s: Schema) -> None:
    s.create_table(
        CODE,
        Column("signature", String(255), primary_key=True),
        Column("request_id", String(40), nullable=False),
        Column("requested_at", DateTime, nullable=False),
        Column("client_id", String(255), nullable=False),
        Column("scope", Text, nullable=False),
        Column("granted_scope", Text, nullable=False),
        Column("form_data", Text, nullable=False),
        Column("session_data", Text, nullable=False),
        Column("subject", String(255), nullable=False, server_default=""),
        Column("active", Boolean, nullable=False),
        Column("requested_audience", Text, nullable=True, server_default=""),
        Column("granted_audience", Text, nullable=True, server_default=""),
        Column("challenge_id", String(40), nullable=True),
        _nid(),
        Column("expires_at", DateTime, nullable=True),
        _client_fk(CODE),
    )
    s.create_index(f"{CODE}_client_id_idx", CODE, ["client_id", "nid"])
    s.create_index(f"{CODE}_request_id_idx", CODE, ["request_id", "nid"])
    s.create_index(f"{CODE}_challenge_id_idx", CODE, ["challenge_id"])
    s.create_index(f"{CODE}_expires_at_idx", CODE, ["nid", "expires_at"])


def up(s: Schema) -> None:
    _session(s)
    _flow(s)
    _code(s)


def down(s: Schema) -> None:
    for name in (CODE, FLOW, SESSION):
        s.drop_table(name)


STEP = Migration("20261204100005", "hydra_oauth2_flow", up, down)
