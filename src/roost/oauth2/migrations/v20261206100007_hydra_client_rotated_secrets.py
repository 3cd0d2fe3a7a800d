"""Client secret rotation: ``hydra_client.rotated_secrets``, the hashes of earlier secrets.

Hydra's step 20260122 adds the column; here it holds up to five hashes joined
with ``|`` (no hash format Roost writes contains one), newest first.
"""

from __future__ import annotations

from sqlalchemy import Column, Text

from roost.storage.ddl import Schema
from roost.storage.migrate import Migration


def up(s: Schema) -> None:
    s.add_column("hydra_client", Column("rotated_secrets", Text, nullable=False, server_default=""))


def down(s: Schema) -> None:
    s.drop_column("hydra_client", "rotated_secrets")


STEP = Migration("20261206100007", "hydra_client_rotated_secrets", up, down)
