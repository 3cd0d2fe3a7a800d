"""One-time codes: what is stored, and how a submitted value is checked."""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.hmac import HMAC

from roost.identity.selfservice.codes import CodeHmac, new_code, new_token


def test_codes_and_tokens_have_kratos_shapes() -> None:
    codes = {new_code() for _ in range(200)}
    assert all(re.fullmatch(r"[0-9]{6}", c) for c in codes)
    assert len(codes) > 150  # drawn at random, not a counter
    assert all(re.fullmatch(r"[A-Za-z0-9]{32}", new_token()) for _ in range(20))


def test_digest_is_kratos_hmac_sha512_256_under_the_first_secret() -> None:
    h = CodeHmac(["first-secret-0123456789", "older-secret-0123456789"])
    # an independent implementation (cryptography's) of Kratos's HMAC-SHA512/256
    mac = HMAC(b"first-secret-0123456789", hashes.SHA512_256())
    mac.update(b"123456")
    assert h.digest("123456") == mac.finalize().hex()
    assert "123456" not in h.digest("123456")


def test_a_code_stored_under_an_older_secret_still_matches() -> None:
    old = CodeHmac(["older-secret-0123456789"]).digest("654321")
    rotated = CodeHmac(["new-secret-0123456789ab", "older-secret-0123456789"])
    assert rotated.matches("654321", old)
    assert not rotated.matches("654320", old)
    assert not CodeHmac(["new-secret-0123456789ab"]).matches("654321", old)


def test_no_secret_no_codes() -> None:
    with pytest.raises(ValueError):
        CodeHmac([])
