"""Logout requests (``hydra_oauth2_logout_request``), the one stateful step of logout.

Hydra's shape (reference §3.6): the challenge is a random UUID in text; the
verifier column holds the SHA-256 of the verifier's nonce (Hydra stores its
verifier in clear, hence the wider column), so a database read cannot finish
someone's logout.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

LOGOUT = "hydra_oauth2_logout_request"


def up(s: Schema) -> None:
    s.create_table(
        LOGOUT,
        Column("challenge", String(36), primary_key=True),
        Column("verifier", String(64), nullable=True),
        Column("subject", String(255), nullable=False),
        Column("sid", String(40), nullable=False),
        Column("client_id", String(255), nullable=True),
        Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), nullable=False),
        Column("request_url", Text, nullable=False),
        Column("redir_url", Text, nullable=False),
        Column("was_used", Boolean, nullable=False),
        Column("accepted", Boolean, nullable=False),
        Column("rejected", Boolean, nullable=False),
        Column("rp_initiated", Boolean, nullable=False),
        Column("expires_at", DateTime, nullable=True),
        Column("requested_at", DateTime, nullable=True),
        ForeignKeyConstraint(
            ["client_id", "nid"],
            ["hydra_client.id", "hydra_client.nid"],
            ondelete="CASCADE",
            name=f"{LOGOUT}_client_id_fk",
        ),
        UniqueConstraint("verifier", name=f"{LOGOUT}_verifier_key"),
    )
    s.create_index(f"{LOGOUT}_client_id_idx", LOGOUT, ["client_id", "nid"])
    s.create_index(f"{LOGOUT}_expires_at_idx", LOGOUT, ["nid", "expires_at"])


def down(s: Schema) -> None:
    s.drop_table(LOGOUT)


STEP = Migration("20261206100006", "hydra_oauth2_logout_request", up, down)
