"""Roost's own: the DPoP proofs (RFC 9449) seen lately, so that none is accepted twice."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, PrimaryKeyConstraint, String, Uuid

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration


def up(s: Schema) -> None:
    s.create_table(
        "roost_oauth2_dpop_proofs",
        Column("signature", String(64), nullable=False),
        Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), nullable=False),
        Column("expires_at", DateTime, nullable=False),
        PrimaryKeyConstraint("signature", "nid", name="roost_oauth2_dpop_proofs_pkey"),
    )
    s.create_index(
        "roost_oauth2_dpop_proofs_expires_at_idx",
        "roost_oauth2_dpop_proofs",
        ["nid", "expires_at"],
    )


def down(s: Schema) -> None:
    s.drop_table("roost_oauth2_dpop_proofs")


STEP = Migration("20261207100011", "roost_oauth2_dpop_proofs", up, down)
