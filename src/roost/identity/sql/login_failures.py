"""Failed-login counts per identifier key, shared by every worker and replica."""

from __future__ import annotations

import uuid

from roost.identity.sql.tables import login_failures
from roost.storage.database import Database
from roost.storage.failures import FailureCountStore


class LoginFailureStore(FailureCountStore):
    """``roost.core.throttle.FailureCounts`` on ``roost_login_failures``."""

    def __init__(self, db: Database, nid: uuid.UUID) -> None:
        super().__init__(db, nid, login_failures)
