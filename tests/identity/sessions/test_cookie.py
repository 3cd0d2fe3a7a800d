"""The session cookie's seal (``roost.identity.sessions.cookie``)."""

from __future__ import annotations

from cryptography.fernet import Fernet, MultiFernet

from roost.identity.sessions.cookie import CookieSeal


def _seal(size: int = 4) -> CookieSeal:
    return CookieSeal(MultiFernet([Fernet(Fernet.generate_key())]), memo_size=size)


def test_a_sealed_token_opens_again_and_again() -> None:
    seal = _seal()
    value = seal.seal("ory_st_abc")
    assert "ory_st_abc" not in value
    assert seal.open(value) == "ory_st_abc"
    assert seal.open(value) == "ory_st_abc"  # from the memo


def test_a_cookie_under_another_key_or_garbage_opens_to_nothing() -> None:
    seal, other = _seal(), _seal()
    for value in (other.seal("ory_st_abc"), "garbage", "", "\udcff", "A" * 5000):
        assert seal.open(value) is None
    assert seal._memo == {}  # a forged cookie leaves nothing behind


def test_the_memo_stays_within_its_size_and_drops_the_oldest() -> None:
    seal = _seal(size=4)
    values = [seal.seal(f"ory_st_{i}") for i in range(10)]
    for value in values:
        seal.open(value)
    assert list(seal._memo) == values[-4:]
    assert seal.open(values[0]) == "ory_st_0"  # forgotten, opened again
