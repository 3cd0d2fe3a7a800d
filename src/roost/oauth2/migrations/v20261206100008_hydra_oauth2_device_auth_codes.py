"""Device authorization requests (RFC 8628): ``hydra_oauth2_device_auth_codes``.

Hydra's shape (reference §3.6): keyed by the device code's HMAC signature
and the network, the user code's keyed hash unique per network (never a code
in clear). Two additions: ``last_polled_at`` (for ``slow_down``) and a unique
index on ``request_id``, by which the browser side finds the request.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

DEVICE = "hydra_oauth2_device_auth_codes"


def up(s: Schema) -> None:
    s.create_table(
        DEVICE,
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
        Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), nullable=False),
        Column("last_polled_at", DateTime, nullable=True),
        PrimaryKeyConstraint("device_code_signature", "nid", name=f"{DEVICE}_pkey"),
        UniqueConstraint("user_code_signature", "nid", name=f"{DEVICE}_user_code_signature_key"),
        UniqueConstraint("request_id", name=f"{DEVICE}_request_id_key"),
        ForeignKeyConstraint(
            ["client_id", "nid"],
            ["hydra_client.id", "hydra_client.nid"],
            ondelete="CASCADE",
            name=f"{DEVICE}_client_id_fk",
        ),
    )
    s.create_index(f"{DEVICE}_client_id_idx", DEVICE, ["client_id", "nid"])
    s.create_index(f"{DEVICE}_expires_at_idx", DEVICE, ["nid", "expires_at"])


def down(s: Schema) -> None:
    s.drop_table(DEVICE)


STEP = Migration("20261206100008", "hydra_oauth2_device_auth_codes", up, down)
