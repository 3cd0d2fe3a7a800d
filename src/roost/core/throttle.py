"""Slowing down repeated failures for one key (a login identifier, a client id), across replicas.

The rule: after ``FREE_FAILURES`` (5) failures for a key within ``WINDOW``
(15 minutes from the first of them), every further attempt for that key waits
``BASE_DELAY * 2**(failures - FREE_FAILURES)`` seconds, capped at
``MAX_DELAY`` (0.25 s, 0.5 s, 1 s ... 8 s), before the secret is even
compared. A success resets the count. The wait is an ``asyncio.sleep``, so it
delays only that caller, never the server. It slows online guessing; it is
not a lockout, so an attacker cannot lock the key's owner out.

The counts live in SQL (a :class:`FailureCounts`, implemented once by
``roost.storage.failures``), so every worker and every replica applies the
same count: spreading guesses over replicas gains nothing. Rows are keyed by
an HMAC of the key under a service secret and a purpose label, so guessed
identifiers are never stored in clear and two uses never share a row. Unknown
and known keys are counted alike (equal work for both).

Used by ``roost.identity`` (password logins) and ``roost.oauth2`` (client
secrets), each over a table of its own database.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

__all__ = [
    "BASE_DELAY",
    "FREE_FAILURES",
    "MAX_DELAY",
    "WINDOW",
    "Attempt",
    "FailureCounts",
    "FailureThrottle",
    "delay_for",
]

FREE_FAILURES = 5
WINDOW = timedelta(minutes=15)
BASE_DELAY = 0.25
MAX_DELAY = 8.0


def delay_for(failures: int) -> float:
    """Seconds an attempt waits after ``failures`` recent failures."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(MAX_DELAY, BASE_DELAY * float(2 ** min(failures - FREE_FAILURES, 16)))


class FailureCounts(Protocol):
    async def get(self, key: str, since: datetime) -> tuple[int, bool]:
        """(failures counted since ``since``, whether anything is stored for ``key``)."""
        ...

    async def add(self, key: str, now: datetime, since: datetime) -> None: ...

    async def clear(self, key: str) -> None: ...


@dataclass(frozen=True)
class Attempt:
    key: str
    delay: float
    tracked: bool
    failures: int = 0


class FailureThrottle:
    """Failure counts for one purpose (``b"roost-login-throttle"``, ...) over one store."""

    def __init__(
        self,
        counts: FailureCounts,
        secret: str,
        clock: Callable[[], datetime],
        *,
        purpose: bytes,
    ) -> None:
        self.counts = counts
        self._key = hashlib.sha256(purpose + b"\0" + secret.encode()).digest()
        self._clock = clock

    def _identifier_key(self, identifier: str) -> str:
        return hmac.new(self._key, identifier.encode(), hashlib.sha256).hexdigest()

    async def begin(self, identifier: str) -> Attempt:
        """Look up the key's recent failures: how long this attempt must wait."""
        key = self._identifier_key(identifier)
        failures, tracked = await self.counts.get(key, self._clock() - WINDOW)
        return Attempt(key, delay_for(failures), tracked, failures)

    async def failed(self, attempt: Attempt) -> None:
        now = self._clock()
        await self.counts.add(attempt.key, now, now - WINDOW)

    async def succeeded(self, attempt: Attempt) -> None:
        if attempt.tracked:
            await self.counts.clear(attempt.key)
