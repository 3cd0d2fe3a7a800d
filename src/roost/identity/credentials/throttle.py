"""Slowing down repeated failed logins for one identifier.

The rule: after ``FREE_FAILURES`` (5) failed logins for an identifier within
``WINDOW`` (15 minutes), every further attempt for that identifier waits
``BASE_DELAY * 2**(failures - FREE_FAILURES)`` seconds, capped at
``MAX_DELAY`` (0.25 s, 0.5 s, 1 s ... 8 s), before the password is even
compared. A success resets the count. The wait is an ``asyncio.sleep``, so
it delays only that client, never the server. The state is per process and
bounded (the oldest identifiers are forgotten first); it slows online
guessing, it is not a lockout, so an attacker cannot lock a user out.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

FREE_FAILURES = 5
WINDOW = 15 * 60.0
BASE_DELAY = 0.25
MAX_DELAY = 8.0
MAX_TRACKED = 100_000


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def _now(self) -> float:
        return float(self._clock())

    def delay(self, identifier: str) -> float:
        """Seconds to wait before checking this attempt."""
        entry = self._failures.get(identifier)
        if entry is None:
            return 0.0
        count, first = entry
        if self._now() - first > WINDOW:
            del self._failures[identifier]
            return 0.0
        if count < FREE_FAILURES:
            return 0.0
        return min(MAX_DELAY, BASE_DELAY * float(2 ** (count - FREE_FAILURES)))

    def failed(self, identifier: str) -> None:
        count, first = self._failures.pop(identifier, (0, self._now()))
        if self._now() - first > WINDOW:
            count, first = 0, self._now()
        self._failures[identifier] = (count + 1, first)
        while len(self._failures) > MAX_TRACKED:
            self._failures.popitem(last=False)

    def succeeded(self, identifier: str) -> None:
        self._failures.pop(identifier, None)
