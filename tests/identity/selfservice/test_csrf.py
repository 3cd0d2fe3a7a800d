"""The nosurf-style masked CSRF token: every masked copy checks against its cookie only."""

from __future__ import annotations

import base64
import hashlib

import pytest

from roost.identity.errors import KratosError
from roost.identity.selfservice import csrf


def test_cookie_name_is_the_sha256_of_the_public_url() -> None:
    digest = hashlib.sha256(b"http://127.0.0.1:4433/").hexdigest()
    assert csrf.cookie_name("http://127.0.0.1:4433") == f"csrf_token_{digest}"
    assert csrf.cookie_name("http://127.0.0.1:4433/") == f"csrf_token_{digest}"


def test_masked_copies_differ_and_all_match_their_cookie() -> None:
    cookie = csrf.new_token()
    assert len(base64.b64decode(cookie)) == 32
    a, b = csrf.mask(cookie), csrf.mask(cookie)
    assert a != b and len(base64.b64decode(a)) == 64 and len(a) == 88
    assert csrf.matches(cookie, a) and csrf.matches(cookie, b)
    assert not csrf.matches(csrf.new_token(), a)  # another browser's cookie


@pytest.mark.parametrize("bad", [None, "", "!!!", base64.b64encode(b"x" * 63).decode()])
def test_malformed_tokens_never_match(bad: str | None) -> None:
    cookie = csrf.new_token()
    assert not csrf.matches(cookie, bad)
    assert not csrf.matches(bad, csrf.mask(cookie)) if bad is not None else True


def test_check_names_the_reason() -> None:
    cookie = csrf.new_token()
    csrf.check(cookie, csrf.mask(cookie))
    for cookie_value, token, reason in [
        (None, csrf.mask(cookie), csrf.MISSING_COOKIE),
        (cookie, None, csrf.MISSING_FORM_VALUE),
        (csrf.new_token(), csrf.mask(cookie), csrf.MISMATCH),
    ]:
        with pytest.raises(KratosError) as err:
            csrf.check(cookie_value, token)
        assert err.value.status == 403 and err.value.error_id == "security_csrf_violation"
        assert err.value.details["reject_reason"] == reason
