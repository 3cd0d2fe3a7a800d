"""Scope and audience matching, fosite's strategies (``strategies.scope``).

``wildcard`` (Hydra's default): a client scope ``read.*`` allows ``read.photos``;
``exact``: only identical strings match. Audiences follow fosite's default
audience strategy: a requested audience must equal an allowed one, or extend
an allowed URL with a longer path on the same scheme and host.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

ScopeStrategy = Callable[[Sequence[str], str], bool]


def exact(allowed: Sequence[str], needle: str) -> bool:
    return needle in allowed


def wildcard(allowed: Sequence[str], needle: str) -> bool:
    parts = needle.split(".")
    for matcher in allowed:
        mparts = matcher.split(".")
        if len(mparts) > len(parts):
            continue
        ok = True
        for i, piece in enumerate(mparts):
            if i == len(mparts) - 1 and len(mparts) != len(parts) and piece != "*":
                ok = False
                break
            if piece == "*" and parts[i]:
                continue
            if piece != parts[i]:
                ok = False
                break
        if ok:
            return True
    return False


STRATEGIES: dict[str, ScopeStrategy] = {"exact": exact, "wildcard": wildcard}


def split(value: str | None) -> list[str]:
    """A space-separated parameter as a list without empties or repeats, order kept."""
    return list(dict.fromkeys((value or "").split()))


def audience_allowed(allowed: Sequence[str], needle: str) -> bool:
    if needle in allowed:
        return True
    try:
        want = urlsplit(needle)
    except ValueError:
        return False
    if not want.scheme or not want.netloc:
        return False
    for candidate in allowed:
        have = urlsplit(candidate)
        if (have.scheme, have.netloc) != (want.scheme, want.netloc):
            continue
        base = have.path.rstrip("/")
        if want.path == base or want.path.startswith(base + "/"):
            return True
    return False
