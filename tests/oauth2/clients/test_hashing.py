"""Client secret hashes: Hydra's PBKDF2 format and cost, bcrypt, malformed hashes."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from roost.oauth2.clients.hashing import SecretHasher, pbkdf2
from roost.oauth2.config import Hashers


def test_pbkdf2_default_is_hydras_format_and_cost() -> None:
    hasher = SecretHasher(Hashers())
    stored = hasher.hash("F-~KQ8bKSeTxBKdZSS6woHSs9C")
    m = re.fullmatch(
        r"\$pbkdf2-sha256\$i=25000,l=32\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})", stored
    )
    assert m is not None
    salt = base64.b64decode(m.group(1) + "==")
    key = hashlib.pbkdf2_hmac("sha256", b"F-~KQ8bKSeTxBKdZSS6woHSs9C", salt, 25000, 32)
    assert base64.b64encode(key).rstrip(b"=").decode() == m.group(2)
    assert hasher.verify("F-~KQ8bKSeTxBKdZSS6woHSs9C", stored)
    assert not hasher.verify("F-~KQ8bKSeTxBKdZSS6woHSs9c", stored)


@pytest.mark.parametrize("digest", ["sha256", "sha512"])
def test_pbkdf2_agrees_with_hashlib_both_ways(digest: str) -> None:
    """The stored format is unchanged: hashes from either implementation verify in the other."""
    hasher = SecretHasher(Hashers(pbkdf2_iterations=1000))
    salt = b"0123456789abcdef"
    key = hashlib.pbkdf2_hmac(digest, b"s3cret-s3cret", salt, 1000, 32)
    b64 = lambda raw: base64.b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    stored = f"$pbkdf2-{digest}$i=1000,l=32${b64(salt)}${b64(key)}"
    assert hasher.verify("s3cret-s3cret", stored)
    assert not hasher.verify("s3cret-s3creT", stored)
    assert pbkdf2(digest, b"s3cret-s3cret", salt, 1000, 32) == key
    mine = hasher.hash("s3cret-s3cret")
    _, _, params, salt64, key64 = mine.split("$")
    assert params == "i=1000,l=32"
    theirs = hashlib.pbkdf2_hmac(
        "sha256", b"s3cret-s3cret", base64.b64decode(salt64 + "=="), 1000, 32
    )
    assert b64(theirs) == key64


@pytest.mark.parametrize("params", ["i=0,l=32", f"i={2**64},l=32", "i=1,l=0"])
def test_pbkdf2_refuses_malformed_parameters(params: str) -> None:
    stored = f"$pbkdf2-sha256${params}$MDEyMzQ1Njc4OWFiY2RlZg$AAAA"
    assert not SecretHasher(Hashers()).verify("secret", stored)


def test_bcrypt_selectable_and_hashes_verify_across_settings() -> None:
    bcrypt_hasher = SecretHasher(Hashers(algorithm="bcrypt", bcrypt_cost=4))
    pbkdf2_hasher = SecretHasher(Hashers(pbkdf2_iterations=10))
    b = bcrypt_hasher.hash("secret-1")
    p = pbkdf2_hasher.hash("secret-2")
    assert b.startswith("$2b$04$")
    assert pbkdf2_hasher.verify("secret-1", b) and bcrypt_hasher.verify("secret-2", p)
    assert not pbkdf2_hasher.verify("secret-1", "$argon2id$whatever")
    assert not pbkdf2_hasher.verify("secret-1", "")
