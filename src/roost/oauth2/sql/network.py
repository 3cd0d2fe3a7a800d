"""The network id (Ory's tenant): the oldest row of ``networks``, created on first start."""

from __future__ import annotations

import uuid

from roost.oauth2.sql.tables import networks
from roost.storage.database import Database
from roost.storage.networks import ensure_network as shared_ensure_network


async def ensure_network(db: Database) -> uuid.UUID:
    """This service's network id (see roost.storage.networks)."""
    return await shared_ensure_network(db, networks)
