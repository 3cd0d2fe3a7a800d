"""The tables of recovery and verification (decision 0023), beside ``tables.py``.

They join ``tables.metadata`` (``tables.py`` imports this module at its end),
so the migration tests compare them with the frozen step like every other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    text,
)

from roost.identity.sql.tables import FLOW_TABLES, Json, _nid, _stamps, metadata


def _ref(name: str, target: str, nullable: bool) -> Column[Any]:
    return Column(name, Uuid, ForeignKey(f"{target}.id", ondelete="CASCADE"), nullable=nullable)


def _flow(name: str, extra: list[Column[Any]]) -> Table:
    table = Table(
        name,
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("request_url", Text, nullable=False),
        Column("issued_at", DateTime, nullable=False),
        Column("expires_at", DateTime, nullable=False),
        Column("active_method", String(32), nullable=True),
        Column("csrf_token", String(255), nullable=False, server_default=""),
        *_stamps(),
        Column("type", String(16), nullable=False, server_default="browser"),
        Column("ui", Json, nullable=True),
        _nid(),
        Column("internal_context", Json, nullable=False),
        Column("state", String(255), nullable=False, server_default="choose_method"),
        Column("submit_count", Integer, nullable=False, server_default="0"),
        *extra,
    )
    Index(f"{name}_nid_expires_at_idx", table.c.nid, table.c.expires_at)
    return table


recovery_flows: Table = _flow(
    "selfservice_recovery_flows",
    [
        _ref("recovered_identity_id", "identities", nullable=True),
        Column("skip_csrf_check", Boolean, nullable=False, server_default=text("false")),
    ],
)
verification_flows: Table = _flow("selfservice_verification_flows", [])


def _codes(name: str, value: str, flow: str, address: str, extra: list[Column[Any]]) -> Table:
    flow_column = f"selfservice_{flow}_flow_id"
    table = Table(
        name,
        metadata,
        Column("id", Uuid, primary_key=True),
        Column(value, String(64), nullable=False),
        Column("used_at", DateTime, nullable=True),
        _ref(f"{address[:-2]}_id", address, nullable=True),
        Column("expires_at", DateTime, nullable=False),
        Column("issued_at", DateTime, nullable=False),
        _ref(flow_column, f"selfservice_{flow}_flows", nullable=False),
        *_stamps(),
        _nid(),
        *extra,
    )
    Index(f"{name}_flow_idx", table.c[flow_column], table.c.nid)
    return table


def _recovery_extra(kind: str) -> list[Column[Any]]:
    return [
        _ref("identity_id", "identities", nullable=False),
        Column(kind, Integer, nullable=False, server_default="1"),
    ]


_RA, _VA = "identity_recovery_addresses", "identity_verifiable_addresses"
recovery_codes = _codes(
    "identity_recovery_codes", "code", "recovery", _RA, _recovery_extra("code_type")
)
verification_codes = _codes("identity_verification_codes", "code_hmac", "verification", _VA, [])
recovery_tokens = _codes(
    "identity_recovery_tokens", "token", "recovery", _RA, _recovery_extra("token_type")
)
verification_tokens = _codes("identity_verification_tokens", "token", "verification", _VA, [])


def _mailed_code_columns() -> list[Column[Any]]:
    """A code mailed to an address in a login or registration flow (Kratos's
    ``identity_login_codes`` / ``identity_registration_codes`` share them)."""
    return [
        Column("id", Uuid, primary_key=True),
        Column("code", String(64), nullable=False),
        Column("address", String(255), nullable=False),
        Column("address_type", String(36), nullable=False),
        Column("used_at", DateTime, nullable=True),
        Column("expires_at", DateTime, nullable=False),
        Column("issued_at", DateTime, nullable=False),
    ]


login_codes = Table(
    "identity_login_codes",
    metadata,
    *_mailed_code_columns(),
    _ref("selfservice_login_flow_id", "selfservice_login_flows", nullable=False),
    _ref("identity_id", "identities", nullable=False),
    *_stamps(),
    _nid(),
)
"""Passwordless login codes (step 20261207300002)."""
Index("identity_login_codes_flow_idx", login_codes.c.selfservice_login_flow_id, login_codes.c.nid)

registration_codes = Table(
    "identity_registration_codes",
    metadata,
    *_mailed_code_columns(),
    _ref("selfservice_registration_flow_id", "selfservice_registration_flows", nullable=False),
    *_stamps(),
    _nid(),
)
"""Registration codes (step 20261207400001): no identity until the code is used."""
Index(
    "identity_registration_codes_flow_idx",
    registration_codes.c.selfservice_registration_flow_id,
    registration_codes.c.nid,
)

FLOW_TABLES.update(recovery=recovery_flows, verification=verification_flows)
