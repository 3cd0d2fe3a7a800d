"""Kratos's recovery and verification flows and their one-time codes and link tokens
(decision 0023).

Codes and tokens are kept as Kratos keeps them: an HMAC-SHA512/256 (hex) under
``secrets.cookie``, never the value; ``submit_count`` on each flow counts code
submissions for the attempt limit. ``skip_csrf_check`` marks the flows an
admin created (``/admin/recovery/code|link``), opened from a link.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Text, Uuid, text

from roost.identity.migrations._types import JSON_DOC, nid, stamps
from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

RECOVERY = "selfservice_recovery_flows"
VERIFICATION = "selfservice_verification_flows"
RECOVERY_CODES = "identity_recovery_codes"
VERIFICATION_CODES = "identity_verification_codes"
RECOVERY_TOKENS = "identity_recovery_tokens"
VERIFICATION_TOKENS = "identity_verification_tokens"


def _ref(name: str, target: str, nullable: bool) -> Column[Any]:
    return Column(name, Uuid, ForeignKey(f"{target}.id", ondelete="CASCADE"), nullable=nullable)


def _flow(s: Schema, name: str, extra: list[Column[Any]]) -> None:
    s.create_table(
        name,
        Column("id", Uuid, primary_key=True),
        Column("request_url", Text, nullable=False),
        Column("issued_at", DateTime, nullable=False),
        Column("expires_at", DateTime, nullable=False),
        Column("active_method", String(32), nullable=True),
        Column("csrf_token", String(255), nullable=False, server_default=""),
        *stamps(),
        Column("type", String(16), nullable=False, server_default="browser"),
        Column("ui", JSON_DOC, nullable=True),
        nid(),
        Column("internal_context", JSON_DOC, nullable=False),
        Column("state", String(255), nullable=False, server_default="choose_method"),
        Column("submit_count", Integer, nullable=False, server_default="0"),
        *extra,
    )
    s.create_index(f"{name}_nid_expires_at_idx", name, ["nid", "expires_at"])


def _codes(
    s: Schema, name: str, value: str, flow: str, address: str, extra: list[Column[Any]]
) -> None:
    flow_column = f"selfservice_{flow}_flow_id"
    s.create_table(
        name,
        Column("id", Uuid, primary_key=True),
        Column(value, String(64), nullable=False),
        Column("used_at", DateTime, nullable=True),
        _ref(f"{address[:-2]}_id", address, nullable=True),
        Column("expires_at", DateTime, nullable=False),
        Column("issued_at", DateTime, nullable=False),
        _ref(flow_column, f"selfservice_{flow}_flows", nullable=False),
        *stamps(),
        nid(),
        *extra,
    )
    s.create_index(f"{name}_flow_idx", name, [flow_column, "nid"])


def up(s: Schema) -> None:
    _flow(
        s,
        RECOVERY,
        [
            _ref("recovered_identity_id", "identities", nullable=True),
            Column("skip_csrf_check", Boolean, nullable=False, server_default=text("false")),
        ],
    )
    _flow(s, VERIFICATION, [])
    recovery_extra = [
        _ref("identity_id", "identities", nullable=False),
        Column("code_type", Integer, nullable=False, server_default="1"),
    ]
    _codes(s, RECOVERY_CODES, "code", "recovery", "identity_recovery_addresses", recovery_extra)
    _codes(s, VERIFICATION_CODES, "code_hmac", "verification", "identity_verifiable_addresses", [])
    _codes(
        s,
        RECOVERY_TOKENS,
        "token",
        "recovery",
        "identity_recovery_addresses",
        [
            _ref("identity_id", "identities", nullable=False),
            Column("token_type", Integer, nullable=False, server_default="1"),
        ],
    )
    _codes(s, VERIFICATION_TOKENS, "token", "verification", "identity_verifiable_addresses", [])


def down(s: Schema) -> None:
    for name in (VERIFICATION_TOKENS, RECOVERY_TOKENS, VERIFICATION_CODES, RECOVERY_CODES):
        s.drop_table(name)
    s.drop_table(VERIFICATION)
    s.drop_table(RECOVERY)


STEP = Migration("20261207300001", "recovery_verification", up, down)
