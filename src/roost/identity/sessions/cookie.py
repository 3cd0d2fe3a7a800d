"""The ``ory_kratos_session`` cookie's seal: the session token under Fernet.

Opening a cookie (HMAC check, AES decryption, base64) is the one piece of work
a cookie whoami does that a token whoami does not. A browser sends the same
cookie on every request, so the last few thousand cookies opened are
remembered: only cookies that opened, which only the holder of the key can
make, so a flood of forged cookies cannot evict anything or grow the memo.
What is remembered is the decryption alone; the session behind the token is
still looked up and checked (active, expiry, AAL, identity state) on every
request, so a revoked session is refused at once, on every replica.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken, MultiFernet

MEMO_SIZE = 4096


class CookieSeal:
    """Seals session tokens into cookie values and opens them again."""

    def __init__(self, fernet: MultiFernet, memo_size: int = MEMO_SIZE) -> None:
        self._fernet = fernet
        self._memo: dict[str, str] = {}
        self._memo_size = memo_size

    def seal(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode()

    def open(self, value: str) -> str | None:
        """The token inside ``value``, or None when it was not sealed with our keys."""
        token = self._memo.get(value)
        if token is not None:
            return token
        try:
            token = self._fernet.decrypt(value.encode()).decode()
        except (InvalidToken, UnicodeError):
            return None
        if len(self._memo) >= self._memo_size:
            del self._memo[next(iter(self._memo))]  # the oldest entry
        self._memo[value] = token
        return token
