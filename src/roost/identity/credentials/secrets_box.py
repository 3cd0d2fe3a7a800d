"""Second-factor secrets at rest: sealed (TOTP keys) or keyed hashes (lookup codes).

A TOTP key must be read back to check a code, so it is sealed with Fernet
(``cryptography``'s AES-CBC + HMAC) under keys derived from the configured
secrets; a lookup code is only ever compared, so it is kept as an
HMAC-SHA256 under such a key (the codes are random, so a keyed hash is as
strong as a slow one and costs microseconds per code). Every configured
secret is tried, so rotating ``secrets`` keeps existing credentials working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def _key(purpose: str, secret: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{secret}".encode()).digest()


class SecretBox:
    """Seal/open and keyed hashes for one purpose, under every configured secret."""

    def __init__(self, secrets: tuple[str, ...], purpose: str) -> None:
        keys = [_key(purpose, s) for s in secrets]
        self._fernet = MultiFernet([Fernet(base64.urlsafe_b64encode(k)) for k in keys])
        self._macs = keys

    def seal(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The sealed value, or None when no configured key opens it."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            return None

    def digest(self, value: str) -> str:
        """The keyed hash written at rest (under the newest secret)."""
        return hmac.new(self._macs[0], value.encode(), hashlib.sha256).hexdigest()

    def matches(self, value: str, digest: str) -> bool:
        """Whether ``value`` hashes to ``digest`` under any configured secret (constant time)."""
        found = False
        for key in self._macs:
            mine = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
            found |= hmac.compare_digest(mine, digest)
        return found
