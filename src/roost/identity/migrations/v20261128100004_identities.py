"""Kratos's identities, their credentials and the credentials' identifiers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, UniqueConstraint, Uuid

from roost.identity.migrations._types import JSON_DOC, nid, stamps
from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

CRED = "identity_credentials"
IDENT = "identity_credential_identifiers"


def _type_id() -> Column[Any]:
    return Column(
        "identity_credential_type_id",
        Uuid,
        ForeignKey("identity_credential_types.id", ondelete="CASCADE"),
        nullable=False,
    )


def _identities(s: Schema) -> None:
    s.create_table(
        "identities",
        Column("id", Uuid, primary_key=True),
        Column("schema_id", String(2048), nullable=False),
        Column("traits", JSON_DOC, nullable=False),
        *stamps(),
        nid(),
        Column("state", String(255), nullable=False, server_default="active"),
        Column("state_changed_at", DateTime, nullable=True),
        Column("metadata_public", JSON_DOC, nullable=True),
        Column("metadata_admin", JSON_DOC, nullable=True),
        Column("available_aal", String(4), nullable=True),
        Column("organization_id", Uuid, nullable=True),
        Column("external_id", String(64), nullable=True),
    )
    s.create_index("identities_nid_id_idx", "identities", ["nid", "id"])
    s.create_index(
        "identities_nid_external_id_uq_idx",
        "identities",
        ["nid", "external_id"],
        unique=True,
        where="external_id IS NOT NULL",
    )


def up(s: Schema) -> None:
    _identities(s)
    s.create_table(
        CRED,
        Column("id", Uuid, primary_key=True),
        Column("config", JSON_DOC, nullable=False),
        _type_id(),
        Column(
            "identity_id", Uuid, ForeignKey("identities.id", ondelete="CASCADE"), nullable=False
        ),
        *stamps(),
        nid(),
        Column("version", Integer, nullable=False, server_default="0"),
    )
    s.create_index(f"{CRED}_identity_id_idx", CRED, ["identity_id"])
    s.create_index(f"{CRED}_nid_idx", CRED, ["nid"])
    s.create_table(
        IDENT,
        Column("id", Uuid, primary_key=True),
        Column("identifier", String(255), nullable=False),
        Column(
            "identity_credential_id",
            Uuid,
            ForeignKey("identity_credentials.id", ondelete="CASCADE"),
            nullable=False,
        ),
        *stamps(),
        nid(),
        _type_id(),
        UniqueConstraint(
            "nid",
            "identity_credential_type_id",
            "identifier",
            name=f"{IDENT}_identifier_nid_type_uq_idx",
        ),
    )
    s.create_index(
        f"{IDENT}_nid_identity_credential_id_idx",
        IDENT,
        ["identity_credential_id", "nid", "identifier"],
    )


def down(s: Schema) -> None:
    s.drop_table(IDENT)
    s.drop_table(CRED)
    s.drop_table("identities")


STEP = Migration("20261128100004", "identities", up, down)
