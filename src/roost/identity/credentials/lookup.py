"""Lookup secrets, Kratos's backup recovery codes (``selfservice/strategy/lookup``).

Twelve codes of eight lowercase letters and digits, as Kratos generates
them. At rest each is a keyed hash (``SecretBox.digest``) with its
``used_at``; a code from Kratos's own rows (``code`` in clear) is still
accepted, compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
import string
from typing import Any, Protocol

COUNT = 12
LENGTH = 8
_ALPHABET = string.ascii_lowercase + string.digits


class Digests(Protocol):
    def digest(self, value: str) -> str: ...

    def matches(self, value: str, digest: str) -> bool: ...


def new_codes() -> list[str]:
    return ["".join(secrets.choice(_ALPHABET) for _ in range(LENGTH)) for _ in range(COUNT)]


def stored(codes: list[str], box: Digests) -> dict[str, Any]:
    """The credential config for freshly confirmed codes."""
    return {"recovery_codes": [{"hashed_code": box.digest(c), "used_at": None} for c in codes]}


def _is(entry: dict[str, Any], code: str, box: Digests) -> bool:
    if isinstance(entry.get("hashed_code"), str):
        return box.matches(code, entry["hashed_code"])
    clear = entry.get("code")
    return isinstance(clear, str) and hmac.compare_digest(clear.encode(), code.encode())


def find(config: dict[str, Any], code: str, box: Digests) -> dict[str, Any] | None:
    """The entry of ``code`` (used or not), checking every entry so timing says nothing."""
    found = None
    for entry in config.get("recovery_codes") or []:
        if isinstance(entry, dict) and _is(entry, code, box):
            found = entry
    return found
