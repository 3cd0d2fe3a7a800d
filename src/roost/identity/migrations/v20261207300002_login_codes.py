"""Kratos's ``identity_login_codes``: passwordless login codes (decision 0023).

As the recovery codes, a code is kept only as its HMAC-SHA512/256 (hex) under
``secrets.cookie``; ``address`` is where it was mailed.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, String, Uuid

from roost.identity.migrations._types import nid, stamps
from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

LOGIN_CODES = "identity_login_codes"


def up(s: Schema) -> None:
    s.create_table(
        LOGIN_CODES,
        Column("id", Uuid, primary_key=True),
        Column("code", String(64), nullable=False),
        Column("address", String(255), nullable=False),
        Column("address_type", String(36), nullable=False),
        Column("used_at", DateTime, nullable=True),
        Column("expires_at", DateTime, nullable=False),
        Column("issued_at", DateTime, nullable=False),
        Column(
            "selfservice_login_flow_id",
            Uuid,
            ForeignKey("selfservice_login_flows.id", ondelete="CASCADE"),
            nullable=False,
        ),
        Column(
            "identity_id", Uuid, ForeignKey("identities.id", ondelete="CASCADE"), nullable=False
        ),
        *stamps(),
        nid(),
    )
    s.create_index(f"{LOGIN_CODES}_flow_idx", LOGIN_CODES, ["selfservice_login_flow_id", "nid"])


def down(s: Schema) -> None:
    s.drop_table(LOGIN_CODES)


STEP = Migration("20261207300002", "login_codes", up, down)
