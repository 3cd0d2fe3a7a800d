"""Hydra's tables, named and shaped as in Hydra v25.4.0 (reference §3).

The names and columns matter: operators (and the seed tutorial) read
``hydra_client`` and ``hydra_oauth2_access`` with plain SQL. JSON array columns
are ``jsonb`` on PostgreSQL/CockroachDB and text on SQLite, as in Hydra. Every
row carries ``nid`` (the network, Ory's tenant id). Legacy serial columns
(``pk_deprecated``) are left out: Roost uses no sequences.

One addition: an ``expires_at`` index on the token tables, so the janitor can
delete expired rows in small batches without scanning.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

from roost.oauth2.clients.fields import LIFESPANS, LIST_FIELDS, SHORT_FIELDS, TEXT_FIELDS

metadata = MetaData()
JSONList = JSON().with_variant(JSONB(), "postgresql").with_variant(JSONB(), "cockroachdb")
# A nullable JSON column whose Python None is SQL NULL (not JSON ``null``), so
# ``IS NULL`` finds it (the flow's ``login_error``/``consent_error``).
JSONOrNull = (
    JSON(none_as_null=True)
    .with_variant(JSONB(none_as_null=True), "postgresql")
    .with_variant(JSONB(none_as_null=True), "cockroachdb")
)

networks = Table(
    "networks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)


def _nid() -> Column[object]:
    return Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), nullable=False)


hydra_client = Table(
    "hydra_client",
    metadata,
    Column("id", String(255), nullable=False),
    _nid(),
    Column("pk", Uuid, nullable=True),
    Column("client_secret", Text, nullable=False),
    *(Column(name, Text, nullable=False, server_default="") for name in TEXT_FIELDS),
    Column("jwks", Text, nullable=False, server_default="{}"),
    Column("metadata", Text, nullable=False, server_default="{}"),
    *(Column(name, JSONList, nullable=False) for name in LIST_FIELDS),
    *(
        Column(name, String(size), nullable=False, server_default="")
        for name, size in SHORT_FIELDS.items()
    ),
    Column("registration_access_token_signature", String(128), nullable=False, server_default=""),
    Column("rotated_secrets", Text, nullable=False, server_default=""),
    Column("client_secret_expires_at", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("frontchannel_logout_session_required", Boolean, nullable=False, default=False),
    Column("backchannel_logout_session_required", Boolean, nullable=False, default=False),
    Column("skip_consent", Boolean, nullable=False, default=False),
    Column("skip_logout_consent", Boolean, nullable=True),
    *(Column(name, BigInteger, nullable=True) for name in LIFESPANS),
    Column("password_grant_access_token_lifespan", BigInteger, nullable=True),
    Column("password_grant_refresh_token_lifespan", BigInteger, nullable=True),
    PrimaryKeyConstraint("id", "nid", name="hydra_client_pkey"),
)
Index("hydra_client_list_idx", hydra_client.c.nid, hydra_client.c.id)


def _token_table(name: str, *extra: Column[object]) -> Table:
    table = Table(
        name,
        metadata,
        Column("signature", String(255), primary_key=True),
        Column("request_id", String(40), nullable=False),
        Column("requested_at", DateTime, nullable=False),
        Column("client_id", String(255), nullable=False),
        Column("scope", Text, nullable=False),
        Column("granted_scope", Text, nullable=False),
        Column("form_data", Text, nullable=False),
        Column("session_data", Text, nullable=False),
        Column("subject", String(255), nullable=False, server_default=""),
        Column("active", Boolean, nullable=False, default=True),
        Column("requested_audience", Text, nullable=True, server_default=""),
        Column("granted_audience", Text, nullable=True, server_default=""),
        Column("challenge_id", String(40), nullable=True),
        _nid(),
        Column("expires_at", DateTime, nullable=True),
        *extra,
        ForeignKeyConstraint(
            ["client_id", "nid"],
            ["hydra_client.id", "hydra_client.nid"],
            ondelete="CASCADE",
            name=f"{name}_client_id_fk",
        ),
    )
    Index(f"{name}_requested_at_idx", table.c.requested_at, table.c.nid)
    Index(f"{name}_client_id_idx", table.c.client_id, table.c.nid)
    Index(f"{name}_request_id_idx", table.c.request_id, table.c.nid)
    Index(f"{name}_challenge_id_idx", table.c.challenge_id)
    Index(f"{name}_expires_at_idx", table.c.nid, table.c.expires_at)
    return table


hydra_oauth2_access = _token_table("hydra_oauth2_access")
hydra_oauth2_refresh = _token_table(
    "hydra_oauth2_refresh",
    Column("first_used_at", DateTime, nullable=True),
    Column("access_token_signature", String(255), nullable=True),
    Column("used_times", Integer, nullable=True),
)

hydra_jwk = Table(
    "hydra_jwk",
    metadata,
    Column("pk", Uuid, primary_key=True),
    Column("sid", String(255), nullable=False),
    Column("kid", String(255), nullable=False),
    _nid(),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("keydata", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("sid", "kid", "nid", name="hydra_jwk_sid_kid_nid_key"),
)
Index("hydra_jwk_nid_sid_created_at_idx", hydra_jwk.c.nid, hydra_jwk.c.sid, hydra_jwk.c.created_at)

hydra_oauth2_jti_blacklist = Table(
    "hydra_oauth2_jti_blacklist",
    metadata,
    Column("signature", String(64), nullable=False),
    _nid(),
    Column("expires_at", DateTime, nullable=False),
    PrimaryKeyConstraint("signature", "nid", name="hydra_oauth2_jti_blacklist_pkey"),
)
Index(
    "hydra_oauth2_jti_blacklist_expires_at_idx",
    hydra_oauth2_jti_blacklist.c.nid,
    hydra_oauth2_jti_blacklist.c.expires_at,
)

hydra_oauth2_trusted_jwt_bearer_issuer = Table(
    "hydra_oauth2_trusted_jwt_bearer_issuer",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("issuer", String(255), nullable=False),
    Column("subject", String(255), nullable=False, server_default=""),
    Column("allow_any_subject", Boolean, nullable=False, default=False),
    Column("scope", Text, nullable=False),
    Column("key_set", String(255), nullable=False),
    Column("key_id", String(255), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    _nid(),
    ForeignKeyConstraint(
        ["key_set", "key_id", "nid"],
        ["hydra_jwk.sid", "hydra_jwk.kid", "hydra_jwk.nid"],
        ondelete="CASCADE",
        name="hydra_oauth2_trusted_jwt_bearer_issuer_key_fk",
    ),
    UniqueConstraint(
        "nid", "key_id", "issuer", "subject", name="hydra_oauth2_trusted_jwt_bearer_issuer_nid_uq"
    ),
)
Index(
    "hydra_oauth2_trusted_jwt_bearer_issuer_issuer_idx",
    hydra_oauth2_trusted_jwt_bearer_issuer.c.nid,
    hydra_oauth2_trusted_jwt_bearer_issuer.c.issuer,
)

hydra_oauth2_authentication_session = Table(
    "hydra_oauth2_authentication_session",
    metadata,
    Column("id", String(40), primary_key=True),
    _nid(),
    Column("authenticated_at", DateTime, nullable=True),
    Column("subject", String(255), nullable=False),
    Column("remember", Boolean, nullable=False, default=False),
    Column("identity_provider_session_id", String(255), nullable=False, server_default=""),
    Column("expires_at", DateTime, nullable=True),
)
Index(
    "hydra_oauth2_authentication_session_subject_nid_idx",
    hydra_oauth2_authentication_session.c.subject,
    hydra_oauth2_authentication_session.c.nid,
)

hydra_oauth2_flow = Table(
    "hydra_oauth2_flow",
    metadata,
    Column("login_challenge", String(40), primary_key=True),
    _nid(),
    Column("client_id", String(255), nullable=False),
    Column("request_url", Text, nullable=False),
    Column("requested_at", DateTime, nullable=False),
    Column("requested_scope", JSONList, nullable=False),
    Column("requested_at_audience", JSONList, nullable=False),
    Column("oidc_context", JSONList, nullable=False),
    Column("state", Integer, nullable=False),
    Column("subject", String(255), nullable=False, server_default=""),
    Column("login_skip", Boolean, nullable=False, default=False),
    Column("login_csrf", String(64), nullable=False),
    Column("login_verifier", String(64), nullable=True),
    Column("login_session_id", String(40), nullable=True),
    Column("login_remember", Boolean, nullable=False, default=False),
    Column("login_remember_for", Integer, nullable=False, server_default="0"),
    Column("login_extend_session_lifespan", Boolean, nullable=False, default=False),
    Column("login_authenticated_at", DateTime, nullable=True),
    Column("login_error", JSONOrNull, nullable=True),
    Column("identity_provider_session_id", String(255), nullable=False, server_default=""),
    Column("forced_subject_identifier", String(255), nullable=False, server_default=""),
    Column("acr", Text, nullable=False, server_default=""),
    Column("amr", JSONOrNull, nullable=True),
    Column("context", JSONOrNull, nullable=True),
    Column("consent_challenge_id", String(40), nullable=True),
    Column("consent_skip", Boolean, nullable=False, default=False),
    Column("consent_csrf", String(64), nullable=True),
    Column("consent_verifier", String(64), nullable=True),
    Column("granted_scope", JSONOrNull, nullable=True),
    Column("granted_at_audience", JSONOrNull, nullable=True),
    Column("consent_remember", Boolean, nullable=False, default=False),
    Column("consent_remember_for", Integer, nullable=True),
    Column("consent_handled_at", DateTime, nullable=True),
    Column("consent_error", JSONOrNull, nullable=True),
    Column("session_access_token", JSONOrNull, nullable=True),
    Column("session_id_token", JSONOrNull, nullable=True),
    Column("expires_at", DateTime, nullable=True),
    ForeignKeyConstraint(
        ["client_id", "nid"],
        ["hydra_client.id", "hydra_client.nid"],
        ondelete="CASCADE",
        name="hydra_oauth2_flow_client_id_fk",
    ),
    UniqueConstraint("consent_challenge_id", name="hydra_oauth2_flow_consent_challenge_id_key"),
)
_flow = hydra_oauth2_flow.c
Index(
    "hydra_oauth2_flow_previous_consents_idx",
    _flow.subject,
    _flow.client_id,
    _flow.nid,
    _flow.consent_skip,
    _flow.consent_remember,
)
Index("hydra_oauth2_flow_client_id_idx", _flow.client_id, _flow.nid)
Index("hydra_oauth2_flow_login_session_id_idx", _flow.login_session_id)
Index("hydra_oauth2_flow_requested_at_idx", _flow.nid, _flow.requested_at)

hydra_oauth2_code = Table(
    "hydra_oauth2_code",
    metadata,
    Column("signature", String(255), primary_key=True),
    Column("request_id", String(40), nullable=False),
    Column("requested_at", DateTime, nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("scope", Text, nullable=False),
    Column("granted_scope", Text, nullable=False),
    Column("form_data", Text, nullable=False),
    Column("session_data", Text, nullable=False),
    Column("subject", String(255), nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("requested_audience", Text, nullable=True, server_default=""),
    Column("granted_audience", Text, nullable=True, server_default=""),
    Column("challenge_id", String(40), nullable=True),
    _nid(),
    Column("expires_at", DateTime, nullable=True),
    ForeignKeyConstraint(
        ["client_id", "nid"],
        ["hydra_client.id", "hydra_client.nid"],
        ondelete="CASCADE",
        name="hydra_oauth2_code_client_id_fk",
    ),
)
_code = hydra_oauth2_code.c
Index("hydra_oauth2_code_client_id_idx", _code.client_id, _code.nid)
Index("hydra_oauth2_code_request_id_idx", _code.request_id, _code.nid)
Index("hydra_oauth2_code_challenge_id_idx", _code.challenge_id)
Index("hydra_oauth2_code_expires_at_idx", _code.nid, _code.expires_at)

roost_client_auth_failures = Table(
    "roost_client_auth_failures",
    metadata,
    Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True),
    Column("identifier_key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_failed_at", DateTime, nullable=False),
    Index("roost_client_auth_failures_first_failed_at_idx", "nid", "first_failed_at"),
)
"""Roost's own: failed client authentications per client id (keyed by an HMAC of the
id, never the id), shared by every worker and replica (``roost.core.throttle``)."""

roost_oauth2_pushed_requests = Table(
    "roost_oauth2_pushed_requests",
    metadata,
    Column("signature", String(64), primary_key=True),
    Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Index("roost_oauth2_pushed_requests_expires_at_idx", "nid", "expires_at"),
)
"""Roost's own: pushed authorization requests (RFC 9126) by the SHA-256 of their
``request_uri``; a row is deleted when used, the janitor deletes expired ones."""

roost_oauth2_dpop_proofs = Table(
    "roost_oauth2_dpop_proofs",
    metadata,
    Column("signature", String(64), nullable=False),
    _nid(),
    Column("expires_at", DateTime, nullable=False),
    PrimaryKeyConstraint("signature", "nid", name="roost_oauth2_dpop_proofs_pkey"),
    Index("roost_oauth2_dpop_proofs_expires_at_idx", "nid", "expires_at"),
)
"""Roost's own: the SHA-256 of each DPoP proof's key thumbprint and ``jti`` (RFC 9449
§11.1), kept until the proof could no longer pass its ``iat`` check; the primary key
makes a replayed proof, even a concurrent one, fail to insert. The janitor deletes
expired rows."""

hydra_oauth2_logout_request = Table(
    "hydra_oauth2_logout_request",
    metadata,
    Column("challenge", String(36), primary_key=True),
    Column("verifier", String(64), nullable=True),
    Column("subject", String(255), nullable=False),
    Column("sid", String(40), nullable=False),
    Column("client_id", String(255), nullable=True),
    _nid(),
    Column("request_url", Text, nullable=False),
    Column("redir_url", Text, nullable=False),
    Column("was_used", Boolean, nullable=False, default=False),
    Column("accepted", Boolean, nullable=False, default=False),
    Column("rejected", Boolean, nullable=False, default=False),
    Column("rp_initiated", Boolean, nullable=False, default=False),
    Column("expires_at", DateTime, nullable=True),
    Column("requested_at", DateTime, nullable=True),
    ForeignKeyConstraint(
        ["client_id", "nid"],
        ["hydra_client.id", "hydra_client.nid"],
        ondelete="CASCADE",
        name="hydra_oauth2_logout_request_client_id_fk",
    ),
    UniqueConstraint("verifier", name="hydra_oauth2_logout_request_verifier_key"),
)
_logout = hydra_oauth2_logout_request.c
Index("hydra_oauth2_logout_request_client_id_idx", _logout.client_id, _logout.nid)
Index("hydra_oauth2_logout_request_expires_at_idx", _logout.nid, _logout.expires_at)

hydra_oauth2_device_auth_codes = Table(
    "hydra_oauth2_device_auth_codes",
    metadata,
    Column("device_code_signature", String(255), nullable=False),
    Column("user_code_signature", String(255), nullable=False),
    Column("request_id", String(40), nullable=False),
    Column("requested_at", DateTime, nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("scope", Text, nullable=False),
    Column("granted_scope", Text, nullable=False),
    Column("requested_audience", Text, nullable=False, server_default=""),
    Column("granted_audience", Text, nullable=False, server_default=""),
    Column("form_data", Text, nullable=False, server_default=""),
    Column("session_data", Text, nullable=False),
    Column("subject", String(255), nullable=False, server_default=""),
    Column("device_code_active", Boolean, nullable=False),
    Column("user_code_state", SmallInteger, nullable=False),
    Column("challenge_id", String(40), nullable=True),
    Column("expires_at", DateTime, nullable=False),
    _nid(),
    Column("last_polled_at", DateTime, nullable=True),
    PrimaryKeyConstraint(
        "device_code_signature", "nid", name="hydra_oauth2_device_auth_codes_pkey"
    ),
    UniqueConstraint(
        "user_code_signature", "nid", name="hydra_oauth2_device_auth_codes_user_code_signature_key"
    ),
    UniqueConstraint("request_id", name="hydra_oauth2_device_auth_codes_request_id_key"),
    ForeignKeyConstraint(
        ["client_id", "nid"],
        ["hydra_client.id", "hydra_client.nid"],
        ondelete="CASCADE",
        name="hydra_oauth2_device_auth_codes_client_id_fk",
    ),
)
_device = hydra_oauth2_device_auth_codes.c
Index("hydra_oauth2_device_auth_codes_client_id_idx", _device.client_id, _device.nid)
Index("hydra_oauth2_device_auth_codes_expires_at_idx", _device.nid, _device.expires_at)
