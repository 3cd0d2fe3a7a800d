"""Client secret hashes in Hydra's formats (reference §4.6).

PBKDF2-HMAC-SHA256 (the default; 25,000 iterations, 16-byte salt, 32-byte key,
stored as ``$pbkdf2-sha256$i=N,l=32$salt$key`` in unpadded standard base64) or
bcrypt. Verification picks the algorithm from the stored hash's prefix, so a
database written under one setting keeps working under the other. Hashing is
CPU-bound and releases the GIL, so callers run it in a worker thread.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

import bcrypt

from roost.oauth2.config import Hashers

_PBKDF2 = re.compile(
    r"^\$pbkdf2-(sha256|sha512)\$i=(\d+),l=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$"
)
BCRYPT_MAX = 72


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


class SecretHasher:
    def __init__(self, config: Hashers) -> None:
        self.config = config

    def hash(self, secret: str) -> str:
        if self.config.algorithm == "bcrypt":
            salt = bcrypt.gensalt(self.config.bcrypt_cost)
            return bcrypt.hashpw(secret.encode()[:BCRYPT_MAX], salt).decode()
        salt = os.urandom(16)
        iterations = self.config.pbkdf2_iterations
        key = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, iterations, 32)
        return f"$pbkdf2-sha256$i={iterations},l=32${_b64(salt)}${_b64(key)}"

    def verify(self, secret: str, stored: str) -> bool:
        """Constant-time check of ``secret`` against a stored hash of any supported kind."""
        if stored.startswith(("$2a$", "$2b$", "$2y$")):
            try:
                return bcrypt.checkpw(secret.encode()[:BCRYPT_MAX], stored.encode())
            except ValueError:
                return False
        match = _PBKDF2.match(stored)
        if match is None:
            return False
        algo, iterations, length, salt, key = match.groups()
        try:
            expected = _unb64(key)
            derived = hashlib.pbkdf2_hmac(
                algo, secret.encode(), _unb64(salt), int(iterations), int(length)
            )
        except ValueError:
            return False
        return hmac.compare_digest(derived, expected)
