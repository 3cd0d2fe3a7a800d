"""Hydra's JSON Web Keys, the JWT-bearer ``jti`` deny-list and the trusted issuers."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

TRUST = "hydra_oauth2_trusted_jwt_bearer_issuer"


def _nid() -> Column[object]:
    return Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), nullable=False)


def up(s: Schema) -> None:
    s.create_table(
        "hydra_jwk",
        Column("pk", Uuid, primary_key=True),
        Column("sid", String(255), nullable=False),
        Column("kid", String(255), nullable=False),
        _nid(),
        Column("version", Integer, nullable=False, server_default="0"),
        Column("keydata", Text, nullable=False),
        Column("created_at", DateTime, nullable=False),
        UniqueConstraint("sid", "kid", "nid", name="hydra_jwk_sid_kid_nid_key"),
    )
    s.create_index("hydra_jwk_nid_sid_created_at_idx", "hydra_jwk", ["nid", "sid", "created_at"])
    s.create_table(
        "hydra_oauth2_jti_blacklist",
        Column("signature", String(64), nullable=False),
        _nid(),
        Column("expires_at", DateTime, nullable=False),
        PrimaryKeyConstraint("signature", "nid", name="hydra_oauth2_jti_blacklist_pkey"),
    )
    s.create_index(
        "hydra_oauth2_jti_blacklist_expires_at_idx",
        "hydra_oauth2_jti_blacklist",
        ["nid", "expires_at"],
    )
    s.create_table(
        TRUST,
        Column("id", Uuid, primary_key=True),
        Column("issuer", String(255), nullable=False),
        Column("subject", String(255), nullable=False, server_default=""),
        Column("allow_any_subject", Boolean, nullable=False),
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
            name=f"{TRUST}_key_fk",
        ),
        UniqueConstraint("nid", "key_id", "issuer", "subject", name=f"{TRUST}_nid_uq"),
    )
    s.create_index(f"{TRUST}_issuer_idx", TRUST, ["nid", "issuer"])


def down(s: Schema) -> None:
    s.drop_table(TRUST)
    s.drop_table("hydra_oauth2_jti_blacklist")
    s.drop_table("hydra_jwk")


STEP = Migration("20261128100004", "hydra_jwk_and_trust", up, down)
