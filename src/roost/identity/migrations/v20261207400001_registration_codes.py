"""Kratos's ``identity_registration_codes``: codes of registration by code (decision 0032).

As the login codes, a code is kept only as its HMAC-SHA512/256 (hex) under
``secrets.cookie``; ``address`` is where it was mailed. No identity yet: it is
created when the code is used.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, String, Uuid

from roost.identity.migrations._types import nid, stamps
from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

REGISTRATION_CODES = "identity_registration_codes"


def up(s: Schema) -> None:
    s.create_table(
        REGISTRATION_CODES,
        Column("id", Uuid, primary_key=True),
        Column("code", String(64), nullable=False),
        Column("address", String(255), nullable=False),
        Column("address_type", String(36), nullable=False),
        Column("used_at", DateTime, nullable=True),
        Column("expires_at", DateTime, nullable=False),
        Column("issued_at", DateTime, nullable=False),
        Column(
            "selfservice_registration_flow_id",
            Uuid,
            ForeignKey("selfservice_registration_flows.id", ondelete="CASCADE"),
            nullable=False,
        ),
        *stamps(),
        nid(),
    )
    s.create_index(
        f"{REGISTRATION_CODES}_flow_idx",
        REGISTRATION_CODES,
        ["selfservice_registration_flow_id", "nid"],
    )


def down(s: Schema) -> None:
    s.drop_table(REGISTRATION_CODES)


STEP = Migration("20261207400001", "registration_codes", up, down)
