"""Go ``time.Duration`` strings, the format of every Hydra TTL and client lifespan.

Hydra's config (``ttl.access_token: 1h``) and its client lifespans
(``"client_credentials_grant_access_token_lifespan": "1h0m0s"``) are Go
durations; clients store them in nanoseconds (``bigint``), as Hydra does.
"""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
MAX_NS = (1 << 63) - 1


def parse_ns(text: str) -> int:
    """Nanoseconds of a Go duration such as ``1h30m`` or ``-1.5s``; ValueError when malformed."""
    raw = text.strip()
    sign = -1 if raw.startswith("-") else 1
    body = raw.lstrip("+-")
    if body == "0":
        return 0
    if not body:
        raise ValueError(f"invalid duration {text!r}")
    total, pos = 0, 0
    for match in _PART.finditer(body):
        if match.start() != pos:
            raise ValueError(f"invalid duration {text!r}")
        pos = match.end()
        number, unit = match.groups()
        whole, _, frac = number.partition(".")
        scale = _UNITS[unit]
        total += int(whole or "0") * scale
        if frac:
            total += int(frac) * scale // 10 ** len(frac)
    if pos != len(body):
        raise ValueError(f"invalid duration {text!r}")
    if total > MAX_NS:
        raise ValueError(f"duration {text!r} is out of range")
    return sign * total


def parse(text: str) -> timedelta:
    return timedelta(microseconds=parse_ns(text) // 1000)


def format_ns(ns: int) -> str:
    """Go's ``Duration.String()``: ``1h0m0s``, ``1.5s``, ``300ms``, ``0s``."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, scale in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= scale:
                return sign + _fraction(ns, scale) + unit
    hours, rest = divmod(ns, _UNITS["h"])
    minutes, rest = divmod(rest, _UNITS["m"])
    seconds = _fraction(rest, _UNITS["s"]) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}"
    if minutes:
        return f"{sign}{minutes}m{seconds}"
    return sign + seconds


def _fraction(value: int, scale: int) -> str:
    whole, frac = divmod(value, scale)
    if not frac:
        return str(whole)
    digits = str(frac).rjust(len(str(scale)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"
