"""The error flow (``selfservice/errorx``): errors a browser is sent to the error UI with.

A browser that hits an error outside any flow's form (a CSRF violation, a
forbidden ``return_to``, an unknown flow) cannot be shown JSON; Kratos stores
the error and redirects to ``selfservice.flows.error.ui_url?id=<id>``, and the
UI reads it back with ``GET /self-service/errors?id=``. The stored body is
the error as rendered (herodot's ``error`` object), which never carries a
secret or a submitted value.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from roost.core.errors import NotFound
from roost.identity.identities.model import now, ts


@dataclass
class StoredError:
    error: dict[str, Any]
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)

    def to_json(self) -> dict[str, Any]:
        """Kratos's ``flowError``."""
        return {
            "id": str(self.id),
            "error": self.error,
            "created_at": ts(self.created_at),
            "updated_at": ts(self.updated_at),
        }


class ErrorStore(Protocol):
    async def add(self, e: StoredError) -> None: ...

    async def get(self, error_id: uuid.UUID) -> StoredError | None: ...


class ErrorFlows:
    def __init__(self, store: ErrorStore) -> None:
        self.store = store

    async def add(self, error: dict[str, Any]) -> StoredError:
        e = StoredError(error)
        await self.store.add(e)
        return e

    async def get(self, error_id: uuid.UUID) -> StoredError:
        found = await self.store.get(error_id)
        if found is None:
            raise NotFound("The requested resource could not be found")
        return found
