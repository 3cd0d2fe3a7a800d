"""HMAC tokens: fosite's shape, secret rotation, tampering."""

from __future__ import annotations

from roost.oauth2.tokens.hmac import ACCESS_PREFIX, REFRESH_PREFIX, HMACStrategy, signature_hash


def test_hmac_tokens_have_fosites_shape_and_rotate() -> None:
    old = HMACStrategy(["old-secret-of-16-chars"])
    token, signature = old.generate(ACCESS_PREFIX)
    assert len(token) == 94 and token.startswith("ory_at_")
    assert token.endswith("." + signature)
    assert old.validate(token, ACCESS_PREFIX) == signature
    assert old.validate(token, REFRESH_PREFIX) is None
    rotated = HMACStrategy(["new-secret-of-16-chars", "old-secret-of-16-chars"])
    assert rotated.validate(token, ACCESS_PREFIX) == signature
    assert HMACStrategy(["new-secret-of-16-chars"]).validate(token, ACCESS_PREFIX) is None
    tampered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    assert old.validate(tampered, ACCESS_PREFIX) is None
    assert len(signature_hash(signature)) == 96
