"""Kratos's credential type rows (``password``, ``oidc``, ...)."""

from __future__ import annotations

from sqlalchemy import Column, String, Uuid

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration


def up(s: Schema) -> None:
    s.create_table(
        "identity_credential_types",
        Column("id", Uuid, primary_key=True),
        Column("name", String(32), nullable=False, unique=True),
    )


def down(s: Schema) -> None:
    s.drop_table("identity_credential_types")


STEP = Migration("20261128100002", "identity_credential_types", up, down)
