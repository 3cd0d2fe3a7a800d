"""Column types shared by the identity steps, frozen: JSON text on SQLite, ``jsonb`` on
PostgreSQL. Changing a type means a new step, never an edit here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Uuid
from sqlalchemy.dialects.postgresql import JSONB

JSON_DOC = JSON().with_variant(JSONB(), "postgresql")


def nid() -> Column[Any]:
    return Column("nid", Uuid, ForeignKey("networks.id", ondelete="CASCADE"), nullable=False)


def stamps() -> list[Column[Any]]:
    return [
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
    ]
