"""Kratos's password policy (``selfservice/strategy/password/validator.go``).

- at least ``min_password_length`` bytes (8), at most 72 bytes under bcrypt;
- not too similar to any identifier: after lower-casing both, a Levenshtein
  distance under 5 or a longest common substring over half the password is
  rejected (4000031);
- optionally, not found in more than ``max_breaches`` breaches according to a
  Have I Been Pwned style k-anonymity range API (only the first five hex
  digits of the SHA-1 leave the process). Off by default in Roost because it
  needs the internet; network errors are ignored unless configured otherwise.
"""

from __future__ import annotations

import hashlib

import httpx

from roost.identity import text
from roost.identity.config import PasswordPolicy

MIN_DISTANCE = 5
MAX_SUBSTRING_RATIO = 0.5


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def longest_common_substring(a: str, b: str) -> int:
    best = 0
    previous = [0] * (len(b) + 1)
    for ca in a:
        current = [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def too_similar(identifier: str, password: str) -> bool:
    ident, pw = identifier.lower(), password.lower()
    if not pw:
        return True
    ratio = longest_common_substring(ident, pw) / len(pw)
    return levenshtein(ident, pw) < MIN_DISTANCE or ratio > MAX_SUBSTRING_RATIO


async def breaches(password: str, host: str) -> int:
    digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
    prefix, suffix = digest[:5], digest[5:]
    url = host if "://" in host else f"https://{host}"
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(f"{url.rstrip('/')}/range/{prefix}")
        response.raise_for_status()
    for line in response.text.splitlines():
        candidate, _, count = line.strip().partition(":")
        if candidate == suffix:
            return int(count or "0")
    return 0


async def check_password(
    policy: PasswordPolicy, password: str, identifiers: list[str], max_bytes: int | None
) -> text.Text | None:
    """The policy message ``password`` violates first, or None when it may be used."""
    size = len(password.encode())
    if size < policy.min_length:
        return text.password_min_length(policy.min_length, size)
    if max_bytes is not None and size > max_bytes:
        return text.password_max_length(max_bytes, size)
    if policy.identifier_similarity:
        for ident in identifiers:
            if ident and too_similar(ident, password):
                return text.password_too_similar()
    if policy.haveibeenpwned:
        try:
            count = await breaches(password, policy.haveibeenpwned_host)
        except (httpx.HTTPError, ValueError):
            if policy.ignore_network_errors:
                return None
            return text.generic("The password could not be checked against known breaches.")
        if count > policy.max_breaches:
            return text.password_breached(count)
    return None
