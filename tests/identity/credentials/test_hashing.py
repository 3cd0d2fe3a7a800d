"""Password hashes: Kratos's own import test vectors, the configured hashers, the policy."""

from __future__ import annotations

import asyncio
import time

import pytest

from roost.identity.config import HasherConfig, PasswordPolicy
from roost.identity.credentials.hashing import PasswordHasher, is_valid_hash_format, verify
from roost.identity.credentials.policy import check_password, too_similar

# (hash, password) pairs from Kratos's identity import tests.
KRATOS_VECTORS = [
    ("$pbkdf2-sha256$i=1000,l=128$e8/arsEf4cvQihdNgqj0Nw$5xQQKNTyeTHx2Ld5/JDE7A", "123456"),
    ("$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq", "123456"),
    (
        "$argon2i$v=19$m=65536,t=3,p=4$STVE4CQ9qQ1dK/j224VMbA$o8b+k5wdHgBqf7ES+aWG2K7Y9diQ6ahEhbW8zcstXGo",
        "123456",
    ),
    ("$argon2id$v=19$m=16,t=2,p=1$bVI1aE1SaTV6SGQ3bzdXdw$fnjCcZYmEPOUOjYXsT92Cg", "123456"),
    (
        "$scrypt$ln=16384,r=8,p=1$ZtQva9xCHzlSELH/mA7Kj5KjH2tCrkbwYzdxknkL0QQ=$pnTcXKaWVT+FwFDdk3vO1K0J7ZgOxdSU1tCJNYmn8zI=",
        "123456",
    ),
    (
        "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
        "test",
    ),
    (
        "$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc",
        "test",
    ),
    ("$md5$4QrcOUm6Wau+VuBX8g+IPg==", "123456"),
    ("{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a", "test123"),
    ("{SSHA256}czO44OTV17PcF1cRxWrLZLy9xHd7CWyVYplr1rOhuMlx/7IK", "test123"),
    (
        "{SSHA512}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M=",
        "test123",
    ),
]


@pytest.mark.parametrize(("hashed", "password"), KRATOS_VECTORS)
def test_kratos_vectors(hashed: str, password: str) -> None:
    assert is_valid_hash_format(hashed)
    assert verify(password, hashed)
    assert not verify(password + "x", hashed)


@pytest.mark.parametrize(
    "bad",
    [
        "plaintext",
        "$pbkdf2-sha256$i=1000$salt",
        "$scrypt$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=",
        "$2a$10$short",
        "",
    ],
)
def test_unknown_formats_never_match(bad: str) -> None:
    assert not is_valid_hash_format(bad)
    assert not verify("anything", bad)


def test_bcrypt_default_cost_is_kratos_twelve() -> None:
    hasher = PasswordHasher(HasherConfig())
    hashed = hasher.hash("correct horse battery")
    assert hashed.startswith("$2a$12$")
    assert verify("correct horse battery", hashed)
    assert hasher.understands(hashed)
    assert not PasswordHasher(HasherConfig(bcrypt_cost=4)).understands(hashed)


def test_bcrypt_refuses_more_than_72_bytes_on_compare() -> None:
    hasher = PasswordHasher(HasherConfig(bcrypt_cost=4))
    long = "a" * 72
    hashed = hasher.hash(long)
    assert verify(long, hashed)
    assert not verify(long + "b", hashed)
    assert hasher.max_bytes == 72


def test_argon2id_hasher() -> None:
    cfg = HasherConfig(algorithm="argon2", argon2_memory_kib=1024, argon2_parallelism=1)
    hasher = PasswordHasher(cfg)
    hashed = hasher.hash("pw-argon-123")
    assert hashed.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert verify("pw-argon-123", hashed) and hasher.understands(hashed)
    assert hasher.max_bytes is None
    assert not hasher.understands("$2a$04$" + "a" * 53)


def test_hashing_runs_off_the_event_loop() -> None:
    hasher = PasswordHasher(HasherConfig(bcrypt_cost=10))

    async def main() -> float:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        task = asyncio.create_task(ticker())
        start = time.perf_counter()
        await hasher.hash_async("password-1234")
        await hasher.verify_async("password-1234", None)  # dummy hash for unknown users
        elapsed = time.perf_counter() - start
        task.cancel()
        return ticks / max(elapsed / 0.005, 1)

    assert asyncio.run(main()) > 0.3  # the loop kept ticking while hashing


async def _check(policy: PasswordPolicy, pw: str, idents: list[str]) -> int | None:
    msg = await check_password(policy, pw, idents, 72)
    return None if msg is None else int(msg["id"])


def test_password_policy_ids() -> None:
    policy = PasswordPolicy()
    assert asyncio.run(_check(policy, "short", [])) == 4000032
    assert asyncio.run(_check(policy, "x" * 73, [])) == 4000033
    assert asyncio.run(_check(policy, "max@roach.com1", ["max@roach.com"])) == 4000031
    assert asyncio.run(_check(policy, "HelloCockro@ch123", ["max@roach.com"])) is None
    assert too_similar("alice@example.com", "alice@example") and not too_similar(
        "bob@x.io", "Ocean-Harbour-77"
    )
