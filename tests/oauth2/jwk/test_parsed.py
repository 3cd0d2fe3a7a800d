"""The parsed-key cache: one parse per key material, a new parse for new material, bounded."""

from __future__ import annotations

from joserfc import jwt
from joserfc.jwk import ECKey

from roost.oauth2.jwk.parsed import ParsedKeys


def _jwk(kid: str) -> dict[str, object]:
    return {**ECKey.generate_key("P-256", private=True).as_dict(private=True), "kid": kid}


def test_parsed_once_per_material_and_bounded() -> None:
    parsed = ParsedKeys(size=2)
    first = _jwk("k")
    key = parsed(first)
    assert parsed(dict(first)) is key  # same material: the cached object
    token = jwt.encode({"alg": "ES256"}, {"sub": "a"}, key)
    assert jwt.decode(token, parsed(first)).claims == {"sub": "a"}
    replaced = _jwk("k")  # same kid, new material (a rotation): parsed anew
    assert parsed(replaced) is not key
    parsed(_jwk("other"))  # a third key evicts the least recently used
    assert parsed(first) is not key
