"""Opaque, tamper-proof, expiring page tokens.

Tokens are Fernet tokens (AES-128-CBC + HMAC-SHA256, from ``cryptography``)
whose key is derived from the configured secrets: the first secret encrypts,
all of them decrypt, so secrets rotate without breaking tokens in flight.
Fernet carries its own timestamp, which gives the one-hour expiry for free.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from roost.core.errors import Invalid

TOKEN_TTL_SECONDS = 3600
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500  # larger requests are capped silently, as Ory does
SPEC_MAX_PAGE_SIZE = 1000  # Ory's OpenAPI documents rule out anything larger


class PageTokens:
    def __init__(self, secrets: Sequence[str], purpose: str) -> None:
        keys = [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"{purpose}:{s}".encode()).digest()))
            for s in secrets
        ]
        self._fernet = MultiFernet(keys)

    def encode(self, payload: dict[str, str]) -> str:
        return self._fernet.encrypt(orjson.dumps(payload)).decode()

    def decode(self, token: str) -> dict[str, str]:
        try:
            raw = self._fernet.decrypt(token.encode(), ttl=TOKEN_TTL_SECONDS)
            data = orjson.loads(raw)
        except (InvalidToken, orjson.JSONDecodeError, UnicodeEncodeError) as exc:
            raise Invalid("The page token is invalid or has expired") from exc
        if not isinstance(data, dict):
            raise Invalid("The page token is invalid or has expired")
        return data


def page_size(raw: str | None) -> int:
    """Parse ``page_size``: default 100, capped at 500; garbage is a 400."""
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        raise Invalid(f"page_size must be an integer, got {raw!r}") from None
    if size < 1 or size > SPEC_MAX_PAGE_SIZE:
        raise Invalid(f"page_size must be between 1 and {SPEC_MAX_PAGE_SIZE}")
    return min(size, MAX_PAGE_SIZE)
