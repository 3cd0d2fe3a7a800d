"""Failed client authentications per client-id key, shared by every worker and replica."""

from __future__ import annotations

import uuid

from roost.oauth2.sql.tables import roost_client_auth_failures
from roost.storage.database import Database
from roost.storage.failures import FailureCountStore


class ClientAuthFailureStore(FailureCountStore):
    """Implements ``roost.core.throttle.FailureCounts`` on ``roost_client_auth_failures``."""

    def __init__(self, db: Database, nid: uuid.UUID) -> None:
        super().__init__(db, nid, roost_client_auth_failures)
