"""Opaque HMAC tokens, in fosite's format (reference §4.1).

A token is ``<prefix><b64url(key)>.<b64url(sig)>``: ``key`` is 32 random bytes
and ``sig`` is HMAC-SHA-512/256 of the key under SHA-256 of the system secret.
The token is self-verifying, so a forged or foreign token is refused before
any database access; only the signature (hashed for access tokens) is stored,
so a database leak discloses no usable token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

ACCESS_PREFIX = "ory_at_"
REFRESH_PREFIX = "ory_rt_"
KEY_BYTES = 32


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def global_secret(system_secret: str) -> bytes:
    """Hydra's HMAC key: SHA-256 of a system secret (``x.HashStringSecret``)."""
    return hashlib.sha256(system_secret.encode()).digest()


def signature_hash(signature: str) -> str:
    """Hydra's access-token primary key: lowercase hex SHA-384 of the signature."""
    return hashlib.sha384(signature.encode()).hexdigest()


def signature_of(token: str) -> str:
    """The part after the last dot (the signature of an HMAC token or of a JWT)."""
    return token.rpartition(".")[2]


class HMACStrategy:
    """Mints and checks prefixed HMAC tokens; the first secret signs, all of them verify."""

    def __init__(self, system_secrets: Sequence[str]) -> None:
        self._keys = [global_secret(s) for s in system_secrets]

    def _sign(self, key: bytes, raw: bytes) -> bytes:
        return hmac.new(key, raw, "sha512_256").digest()

    def generate(self, prefix: str) -> tuple[str, str]:
        """A new token and its signature."""
        raw = secrets.token_bytes(KEY_BYTES)
        signature = _b64(self._sign(self._keys[0], raw))
        return f"{prefix}{_b64(raw)}.{signature}", signature

    def validate(self, token: str, prefix: str) -> str | None:
        """The token's signature when it is well formed and ours, else None."""
        if not token.startswith(prefix):
            return None
        key_part, dot, sig_part = token[len(prefix) :].partition(".")
        if not dot or not key_part or not sig_part or len(token) > 512:
            return None
        try:
            raw, given = _unb64(key_part), _unb64(sig_part)
        except (ValueError, UnicodeEncodeError):
            return None
        if len(raw) < KEY_BYTES:
            return None
        for key in self._keys:
            if hmac.compare_digest(self._sign(key, raw), given):
                return sig_part
        return None
