"""Client secret hashes in Hydra's formats (reference §4.6).

PBKDF2-HMAC-SHA256 (the default; 25,000 iterations, 16-byte salt, 32-byte key,
stored as ``$pbkdf2-sha256$i=N,l=32$salt$key`` in unpadded standard base64) or
bcrypt. Verification picks the algorithm from the stored hash's prefix, so a
database written under one setting keeps working under the other. Hashing is
CPU-bound and releases the GIL, so callers run it in a worker thread.

PBKDF2 is computed by ``cryptography`` (pyca; its wheels bundle a current
OpenSSL): the same function, parameters and output as ``hashlib.pbkdf2_hmac``,
which links the system's OpenSSL 3.0 and took 4.4 ms per 25,000-iteration hash
on the benchmark machine against 2.5 ms (docs/benchmarks/oauth2.md).
Both release the GIL while they hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import time
from collections import OrderedDict
from collections.abc import Callable

import bcrypt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from roost.oauth2.config import Hashers

_PBKDF2 = re.compile(
    r"^\$pbkdf2-(sha256|sha512)\$i=(\d+),l=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$"
)
BCRYPT_MAX = 72
_DIGESTS = {"sha256": hashes.SHA256, "sha512": hashes.SHA512}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def pbkdf2(digest: str, secret: bytes, salt: bytes, iterations: int, length: int) -> bytes:
    """PBKDF2-HMAC (RFC 8018 §5.2) with ``digest`` (``sha256`` or ``sha512``)."""
    kdf = PBKDF2HMAC(algorithm=_DIGESTS[digest](), length=length, salt=salt, iterations=iterations)
    return kdf.derive(secret)


class SecretHasher:
    def __init__(self, config: Hashers) -> None:
        self.config = config

    def hash(self, secret: str) -> str:
        if self.config.algorithm == "bcrypt":
            salt = bcrypt.gensalt(self.config.bcrypt_cost)
            return bcrypt.hashpw(secret.encode()[:BCRYPT_MAX], salt).decode()
        salt = os.urandom(16)
        iterations = self.config.pbkdf2_iterations
        key = pbkdf2("sha256", secret.encode(), salt, iterations, 32)
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
            derived = pbkdf2(algo, secret.encode(), _unb64(salt), int(iterations), int(length))
        except (ValueError, OverflowError):
            return False
        return hmac.compare_digest(derived, expected)


class VerifiedSecrets:
    """Which (client, stored hash, secret) triples this process verified recently.

    A confidential client presents the same secret on every token request, and
    PBKDF2 at Hydra's 25,000 iterations is most of what such a request costs
    (decision 0039). A successful verification is remembered for ``ttl`` seconds
    as an HMAC, under a key made at start-up and never stored, of the client id,
    the stored hash and the secret: no secret is kept, a wrong secret is never
    remembered (so it always pays the full hash), and a rotated, changed or
    deleted secret misses at once on every replica, because the stored hash it
    was verified against is part of the key. Bounded to ``size`` entries, oldest
    first out; ``ttl`` 0 turns it off.
    """

    def __init__(
        self,
        ttl: float,
        size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._key = os.urandom(32)
        self._seen: OrderedDict[bytes, float] = OrderedDict()

    def _mac(self, client_id: str, stored: str, secret: str) -> bytes:
        message = "\x00".join((client_id, stored, secret)).encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def known(self, client_id: str, stored: str, secret: str) -> bool:
        """True if this exact secret matched this exact stored hash less than ``ttl`` ago."""
        if self.ttl <= 0:
            return False
        mac = self._mac(client_id, stored, secret)
        until = self._seen.get(mac)
        if until is None:
            return False
        if until < self._clock():
            del self._seen[mac]
            return False
        return True

    def remember(self, client_id: str, stored: str, secret: str) -> None:
        if self.ttl <= 0:
            return
        self._seen[self._mac(client_id, stored, secret)] = self._clock() + self.ttl
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
