"""AES-256-GCM for data at rest (session data, JWK private keys), as Hydra does.

The key is SHA-256 of a system secret; the first secret encrypts, every secret
is tried on decryption so ``secrets.system`` can rotate. The stored form is
base64url(nonce ‖ ciphertext), the shape of Hydra's ``aead/aesgcm.go``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from roost.oauth2.tokens.hmac import global_secret

NONCE_BYTES = 12


class DecryptionError(Exception):
    """No configured secret decrypts the value (rotated away, or tampered)."""


class AEAD:
    def __init__(self, system_secrets: Sequence[str]) -> None:
        self._ciphers = [AESGCM(global_secret(s)) for s in system_secrets]

    def encrypt(self, plaintext: bytes, associated: bytes = b"") -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[0].encrypt(nonce, plaintext, associated or None)
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, text: str, associated: bytes = b"") -> bytes:
        try:
            raw = base64.urlsafe_b64decode(text)
        except (ValueError, UnicodeEncodeError) as exc:
            raise DecryptionError("not base64url") from exc
        if base64.urlsafe_b64encode(raw).decode() != text:
            # a non-canonical spelling of the same bytes: refused, so a sealed value has one form
            raise DecryptionError("not canonical base64url")
        nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        for cipher in self._ciphers:
            try:
                return cipher.decrypt(nonce, sealed, associated or None)
            except InvalidTag:
                continue
        raise DecryptionError("no system secret decrypts this value")
