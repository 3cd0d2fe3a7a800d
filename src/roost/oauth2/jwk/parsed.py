"""JWKs parsed once: the key objects joserfc signs and verifies with, cached by content.

Building a private RSA key checks its consistency (cryptography's
``RSAPrivateNumbers.private_key``), which for Hydra's RSA-4096 keys takes
≈ 0.3 s of CPU — once per ID token, logout token and JWT access token before
this cache. Entries are keyed by the SHA-256 of the JWK's canonical JSON, so a
rotated or replaced key (same ``kid``, new material) is parsed anew and a
deleted one simply ages out; the cache holds at most ``size`` keys. It holds
nothing the process does not already hold (the JWKs come from the key store).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

from joserfc.jwk import Key, import_key


class ParsedKeys:
    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._keys: OrderedDict[bytes, Key] = OrderedDict()

    def __call__(self, jwk: dict[str, Any]) -> Key:
        """The key object of ``jwk`` (parsed on first use)."""
        digest = hashlib.sha256(json.dumps(jwk, sort_keys=True).encode()).digest()
        key = self._keys.get(digest)
        if key is None:
            key = import_key(jwk)
            self._keys[digest] = key
            while len(self._keys) > self.size:
                self._keys.popitem(last=False)
        else:
            self._keys.move_to_end(digest)
        return key
