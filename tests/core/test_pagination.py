"""Page tokens: opaque, tamper-proof, expiring, rotatable."""

from __future__ import annotations

import time

import pytest
from cryptography.fernet import Fernet

from roost.core.errors import Invalid
from roost.core.pagination import TOKEN_TTL_SECONDS, PageTokens, page_size


def test_round_trip_and_rotation() -> None:
    old = PageTokens(["old-secret-of-sixteen"], "p")
    token = old.encode({"after": "x"})
    rotated = PageTokens(["new-secret-of-sixteen", "old-secret-of-sixteen"], "p")
    assert rotated.decode(token) == {"after": "x"}
    with pytest.raises(Invalid):
        PageTokens(["new-secret-of-sixteen"], "p").decode(token)


def test_tampered_foreign_and_expired_tokens_are_400() -> None:
    tokens = PageTokens(["a-secret-of-sixteen"], "p")
    token = tokens.encode({"after": "x"})
    for bad in ("garbled", token[:-2] + "AA", PageTokens(["a-secret-of-sixteen"], "q").encode({})):
        with pytest.raises(Invalid):
            tokens.decode(bad)
    fernet = tokens._fernet  # the same keys, with a timestamp from over an hour ago
    expired = fernet.encrypt_at_time(b'{"after": "x"}', int(time.time()) - TOKEN_TTL_SECONDS - 5)
    with pytest.raises(Invalid, match="expired"):
        tokens.decode(expired.decode())
    assert isinstance(Fernet.generate_key(), bytes)


@pytest.mark.parametrize(("raw", "size"), [(None, 100), ("1", 1), ("500", 500), ("800", 500)])
def test_page_size(raw: str | None, size: int) -> None:
    assert page_size(raw) == size


@pytest.mark.parametrize("raw", ["", "0", "-1", "1001", "ten"])
def test_page_size_rejects(raw: str) -> None:
    with pytest.raises(Invalid):
        page_size(raw)
