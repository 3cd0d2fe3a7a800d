"""The identity service's counters, shown on ``/metrics/prometheus``.

Plain numbers in one worker's memory: the flows count what they complete,
the transport counts whoami calls.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Counters:
    logins: int = 0
    failed_logins: int = 0
    registrations: int = 0
    whoami: int = 0
