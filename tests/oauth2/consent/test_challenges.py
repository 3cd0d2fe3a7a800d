"""Sealed challenges: a value opens only for the purpose it was sealed for, and unaltered."""

from __future__ import annotations

import pytest

from roost.oauth2.consent import challenges as ch
from roost.oauth2.tokens.aead import AEAD

SEALER = ch.Challenges(AEAD(["a-system-secret-of-at-least-32-characters"]))


def test_a_challenge_opens_for_its_purpose_only() -> None:
    sealed = SEALER.seal(ch.LOGIN_VERIFIER, "flow-1", "nonce-1")
    assert SEALER.open(ch.LOGIN_VERIFIER, sealed) == ("flow-1", "nonce-1")
    for other in (ch.LOGIN_CHALLENGE, ch.CONSENT_CHALLENGE, ch.CONSENT_VERIFIER):
        with pytest.raises(ch.InvalidChallenge):
            SEALER.open(other, sealed)


@pytest.mark.parametrize("position", [0, 5, 20, -3])
def test_an_altered_challenge_is_refused(position: int) -> None:
    sealed = SEALER.seal(ch.LOGIN_CHALLENGE, "flow-1")
    chars = list(sealed)
    chars[position] = "A" if chars[position] != "A" else "B"
    tampered = "".join(chars)
    with pytest.raises(ch.InvalidChallenge):
        SEALER.open(ch.LOGIN_CHALLENGE, tampered)


@pytest.mark.parametrize("junk", ["", "not base64!", "A" * 3000, "AAAA"])
def test_junk_is_refused(junk: str) -> None:
    with pytest.raises(ch.InvalidChallenge):
        SEALER.open(ch.LOGIN_CHALLENGE, junk)


def test_another_secret_cannot_open_it() -> None:
    other = ch.Challenges(AEAD(["another-system-secret-of-32-characters"]))
    with pytest.raises(ch.InvalidChallenge):
        other.open(ch.LOGIN_CHALLENGE, SEALER.seal(ch.LOGIN_CHALLENGE, "flow-1"))
