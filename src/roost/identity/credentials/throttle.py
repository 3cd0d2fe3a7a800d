"""Slowing down repeated failed logins for one identifier, across every replica.

The rule and its storage are shared with the OAuth2 service's client secrets
and live in :mod:`roost.core.throttle` (5 free failures in 15 minutes, then
0.25 s doubling to 8 s, reset by a success; counts in ``roost_login_failures``,
keyed by an HMAC of the normalised identifier). This module names the login
use of it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from roost.core.throttle import (
    BASE_DELAY,
    FREE_FAILURES,
    MAX_DELAY,
    WINDOW,
    Attempt,
    FailureCounts,
    FailureThrottle,
    delay_for,
)

__all__ = [
    "BASE_DELAY",
    "FREE_FAILURES",
    "MAX_DELAY",
    "WINDOW",
    "Attempt",
    "FailureCounts",
    "LoginThrottle",
    "delay_for",
]


class LoginThrottle(FailureThrottle):
    def __init__(self, counts: FailureCounts, secret: str, clock: Callable[[], datetime]) -> None:
        super().__init__(counts, secret, clock, purpose=b"roost-login-throttle")
