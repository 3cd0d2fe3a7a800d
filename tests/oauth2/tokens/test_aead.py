"""Sealed sessions: secret rotation and tamper detection."""

from __future__ import annotations

import pytest

from roost.oauth2.tokens.aead import AEAD, DecryptionError


def test_aead_rotates_and_detects_tampering() -> None:
    sealed = AEAD(["first-secret-16chars"]).encrypt(b"{}")
    assert AEAD(["second-secret-16char", "first-secret-16chars"]).decrypt(sealed) == b"{}"
    with pytest.raises(DecryptionError):
        AEAD(["second-secret-16char"]).decrypt(sealed)
