"""Ory's ``networks`` table: one row per tenant; every other row carries its ``nid``."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Uuid

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration


def up(s: Schema) -> None:
    s.create_table(
        "networks",
        Column("id", Uuid, primary_key=True),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
    )


def down(s: Schema) -> None:
    s.drop_shared_table("networks")


STEP = Migration("20261128100001", "networks", up, down)
