"""Keto's UUID → string mapping of objects and subject ids."""

from __future__ import annotations

from sqlalchemy import Column, Text, Uuid

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration


def up(s: Schema) -> None:
    s.create_table(
        "keto_uuid_mappings",
        Column("id", Uuid, primary_key=True),
        Column("string_representation", Text, nullable=False),
    )


def down(s: Schema) -> None:
    s.drop_table("keto_uuid_mappings")


STEP = Migration("20261128000002", "keto_uuid_mappings", up, down)
