"""Hydra's ``hydra_client`` (without the legacy serial ``pk_deprecated``)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

JSON_LIST = JSON().with_variant(JSONB(), "postgresql").with_variant(JSONB(), "cockroachdb")
TEXTS = (
    "client_name",
    "scope",
    "owner",
    "policy_uri",
    "tos_uri",
    "client_uri",
    "logo_uri",
    "sector_identifier_uri",
    "jwks_uri",
    "frontchannel_logout_uri",
    "backchannel_logout_uri",
)
LISTS = (
    "redirect_uris",
    "grant_types",
    "response_types",
    "audience",
    "allowed_cors_origins",
    "contacts",
    "request_uris",
    "post_logout_redirect_uris",
)
SHORTS = (
    ("token_endpoint_auth_method", 25),
    ("request_object_signing_alg", 10),
    ("userinfo_signed_response_alg", 10),
    ("token_endpoint_auth_signing_alg", 10),
    ("access_token_strategy", 10),
    ("subject_type", 15),
)
LIFESPANS = (
    "authorization_code_grant_access_token_lifespan",
    "authorization_code_grant_id_token_lifespan",
    "authorization_code_grant_refresh_token_lifespan",
    "client_credentials_grant_access_token_lifespan",
    "implicit_grant_access_token_lifespan",
    "implicit_grant_id_token_lifespan",
    "jwt_bearer_grant_access_token_lifespan",
    "refresh_token_grant_id_token_lifespan",
    "refresh_token_grant_access_token_lifespan",
    "refresh_token_grant_refresh_token_lifespan",
    "device_authorization_grant_id_token_lifespan",
    "device_authorization_grant_access_token_lifespan",
    "device_authorization_grant_refresh_token_lifespan",
    "password_grant_access_token_lifespan",
    "password_grant_refresh_token_lifespan",
)


def up(s: Schema) -> None:
    s.create_table(
        "hydra_client",
        Column("id", String(255), nullable=False),
        Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), nullable=False),
        Column("pk", Uuid, nullable=True),
        Column("client_secret", Text, nullable=False),
        *(Column(name, Text, nullable=False, server_default="") for name in TEXTS),
        Column("jwks", Text, nullable=False, server_default="{}"),
        Column("metadata", Text, nullable=False, server_default="{}"),
        *(Column(name, JSON_LIST, nullable=False) for name in LISTS),
        *(Column(name, String(size), nullable=False, server_default="") for name, size in SHORTS),
        Column(
            "registration_access_token_signature", String(128), nullable=False, server_default=""
        ),
        Column("client_secret_expires_at", Integer, nullable=False, server_default="0"),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Column("frontchannel_logout_session_required", Boolean, nullable=False),
        Column("backchannel_logout_session_required", Boolean, nullable=False),
        Column("skip_consent", Boolean, nullable=False),
        Column("skip_logout_consent", Boolean, nullable=True),
        *(Column(name, BigInteger, nullable=True) for name in LIFESPANS),
        PrimaryKeyConstraint("id", "nid", name="hydra_client_pkey"),
    )
    s.create_index("hydra_client_list_idx", "hydra_client", ["nid", "id"])


def down(s: Schema) -> None:
    s.drop_table("hydra_client")


STEP = Migration("20261128100002", "hydra_client", up, down)
