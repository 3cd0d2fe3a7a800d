"""Challenges and verifiers: sealed, so they cannot be forged, altered or swapped.

Each is AES-256-GCM over ``{"i": <flow or consent id>, "v": <nonce>}`` with its
purpose as associated data (as Hydra binds its XChaCha20 blobs to a purpose
number), so a login challenge is not accepted as a consent challenge or a
verifier. A verifier also carries the random nonce stored in its flow row: only
the newest verifier of a flow matches. Expiry and single use are checked
against the flow row, not the blob.
"""

from __future__ import annotations

from typing import Protocol

import orjson

LOGIN_CHALLENGE = b"login_challenge"
LOGIN_VERIFIER = b"login_verifier"
CONSENT_CHALLENGE = b"consent_challenge"
CONSENT_VERIFIER = b"consent_verifier"
SESSION_COOKIE = b"login_session"
LOGOUT_CHALLENGE = b"logout_challenge"
LOGOUT_VERIFIER = b"logout_verifier"
DEVICE_CHALLENGE = b"device_challenge"
DEVICE_VERIFIER = b"device_verifier"
DEVICE_REQUEST = b"device_request"
MAX_LENGTH = 2048


class Cipher(Protocol):
    def encrypt(self, plaintext: bytes, associated: bytes = b"") -> str: ...

    def decrypt(self, text: str, associated: bytes = b"") -> bytes: ...


class InvalidChallenge(Exception):
    """The value was not sealed by this server for this purpose (or was altered)."""


class Challenges:
    def __init__(self, cipher: Cipher) -> None:
        self.cipher = cipher

    def seal(self, purpose: bytes, ident: str, nonce: str = "") -> str:
        return self.cipher.encrypt(orjson.dumps({"i": ident, "v": nonce}), purpose)

    def open(self, purpose: bytes, text: str) -> tuple[str, str]:
        """The id and nonce sealed in ``text``; InvalidChallenge for anything else."""
        if not text or len(text) > MAX_LENGTH:
            raise InvalidChallenge(purpose.decode())
        try:
            data = orjson.loads(self.cipher.decrypt(text, purpose))
        except Exception as exc:  # any failure to open is the same answer: not ours
            raise InvalidChallenge(purpose.decode()) from exc
        if not isinstance(data, dict):
            raise InvalidChallenge(purpose.decode())
        ident, nonce = data.get("i"), data.get("v")
        if not isinstance(ident, str) or not isinstance(nonce, str):
            raise InvalidChallenge(purpose.decode())
        return ident, nonce
