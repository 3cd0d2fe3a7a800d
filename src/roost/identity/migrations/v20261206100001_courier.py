"""Kratos's courier queue: ``courier_messages`` and ``courier_message_dispatches``.

Shaped as Kratos v25.4.0's (reference §6), with two columns of Roost's own
appended last: ``next_attempt_at`` (when a queued message may be sent, or
when a claimed one's lease runs out) and ``claim_id`` (the claim a worker
holds, so several workers never send one message twice). ``subject``,
``body`` and ``template_data`` hold ciphertext (they carry codes), so they
are text rather than Kratos's ``varchar(255)``/``bytea``.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text, Uuid

from roost.identity.migrations._types import JSON_DOC, nid, stamps
from roost.storage.ddl import Schema
from roost.storage.migrate import Migration

MESSAGES = "courier_messages"
DISPATCHES = "courier_message_dispatches"


def up(s: Schema) -> None:
    s.create_table(
        MESSAGES,
        Column("id", Uuid, primary_key=True),
        Column("type", Integer, nullable=False),
        Column("status", Integer, nullable=False),
        Column("body", Text, nullable=False),
        Column("subject", Text, nullable=False),
        Column("recipient", String(255), nullable=False),
        *stamps(),
        Column("template_type", String(255), nullable=False, server_default=""),
        Column("template_data", Text, nullable=True),
        nid(),
        Column("send_count", Integer, nullable=False, server_default="0"),
        Column("channel", String(32), nullable=True),
        Column("next_attempt_at", DateTime, nullable=False),
        Column("claim_id", Uuid, nullable=True),
    )
    s.create_index(
        "courier_messages_nid_status_created_at_idx", MESSAGES, ["nid", "status", "created_at DESC"]
    )
    s.create_index(
        "courier_messages_nid_recipient_created_at_idx",
        MESSAGES,
        ["nid", "recipient", "created_at DESC"],
    )
    s.create_index(
        "courier_messages_nid_created_at_id_idx", MESSAGES, ["nid", "created_at DESC", "id"]
    )
    s.create_index(
        "courier_messages_status_next_attempt_at_idx", MESSAGES, ["status", "next_attempt_at"]
    )
    s.create_table(
        DISPATCHES,
        Column("id", Uuid, primary_key=True),
        Column(
            "message_id",
            Uuid,
            ForeignKey("courier_messages.id", ondelete="CASCADE"),
            nullable=False,
        ),
        Column("status", String(7), nullable=False),
        Column("error", JSON_DOC, nullable=True),
        nid(),
        *stamps(),
    )
    s.create_index(
        "courier_message_dispatches_message_id_idx", DISPATCHES, ["message_id", "created_at"]
    )


def down(s: Schema) -> None:
    s.drop_table(DISPATCHES)
    s.drop_table(MESSAGES)


STEP = Migration("20261206100001", "courier", up, down)
