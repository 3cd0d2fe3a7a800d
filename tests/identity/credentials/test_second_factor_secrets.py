"""TOTP codes against pyotp's, replay and drift; lookup codes and their keyed hashes;
sealing under rotated secrets (decision 0024)."""

from __future__ import annotations

import time

import pyotp

from roost.identity.credentials import lookup, totp
from roost.identity.credentials.secrets_box import SecretBox

OLD, NEW = "an-old-secret-of-32-characters!!", "a-new-secret-of-32-characters!!!"


def test_totp_accepts_the_window_once_per_step() -> None:
    secret = totp.new_secret()
    assert len(pyotp.TOTP(secret).byte_secret()) == 20  # 160 bits, as Kratos
    at = 1_800_000_015.0
    step = int(at // 30)
    app = pyotp.TOTP(secret)
    assert totp.accepted_step(secret, app.at(at), -1, at) == step
    assert totp.accepted_step(secret, app.at(at - 30), -1, at) == step - 1
    assert totp.accepted_step(secret, app.at(at + 30), -1, at) == step + 1
    assert totp.accepted_step(secret, app.at(at + 60), -1, at) is None
    assert totp.accepted_step(secret, app.at(at), step, at) is None  # replay
    assert totp.accepted_step(secret, app.at(at - 30), step, at) is None  # older than last
    for bad in ("", "12345", "1234567", "abcdef", "١٢٣٤٥٦"):
        assert totp.accepted_step(secret, bad, -1, at) is None


def test_totp_url_and_qr() -> None:
    secret = totp.new_secret()
    url = totp.key_url(secret, "Roost Tests", "someone")
    parsed = pyotp.parse_uri(url)
    assert parsed.secret == secret and parsed.issuer == "Roost Tests"
    assert parsed.now() == pyotp.TOTP(secret).at(time.time())
    assert totp.qr_data_uri(url).startswith("data:image/png;base64,")


def test_lookup_codes_are_hashed_and_found_once() -> None:
    box = SecretBox((NEW,), "kratos-lookup-secret")
    codes = lookup.new_codes()
    assert len(set(codes)) == 12 and all(len(c) == 8 for c in codes)
    config = lookup.stored(codes, box)
    assert not [c for c in codes if c in repr(config)]
    found = lookup.find(config, codes[3], box)
    assert found is config["recovery_codes"][3]
    assert lookup.find(config, "nothere0", box) is None
    kratos_row = {"recovery_codes": [{"code": "abcd1234", "used_at": None}]}
    assert lookup.find(kratos_row, "abcd1234", box) is not None


def test_rotated_secrets_still_open_and_match() -> None:
    old = SecretBox((OLD,), "kratos-totp")
    rotated = SecretBox((NEW, OLD), "kratos-totp")
    sealed = old.seal("otpauth://totp/x?secret=ABC")
    assert rotated.open(sealed) == "otpauth://totp/x?secret=ABC"
    assert SecretBox((NEW,), "kratos-totp").open(sealed) is None
    assert SecretBox((OLD,), "another-purpose").open(sealed) is None
    assert rotated.matches("code", old.digest("code")) and not rotated.matches("x", old.digest("y"))
