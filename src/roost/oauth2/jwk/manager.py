"""Key sets: generated on first need, rotated by adding a newer key.

The newest key of a set signs; every key of the set verifies. Keys are made
with joserfc (RSA 4096 for RS*, as Hydra's generator does; P-256/384/521 for
ES*; Ed25519 for EdDSA; random octets for HS*) in a worker thread, because
RSA generation takes a noticeable fraction of a second.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Protocol

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, Key, KeyParameters, OctKey, OKPKey, RSAKey, import_key

from roost.core.errors import Invalid, NotFound
from roost.oauth2.clients.schema import jwk_error
from roost.oauth2.jwk.parsed import ParsedKeys

ACCESS_TOKEN_SET = "hydra.jwt.access-token"  # noqa: S105 - a key set name
ID_TOKEN_SET = "hydra.openid.id-token"  # noqa: S105 - a key set name
PUBLIC_SETS = (ID_TOKEN_SET, ACCESS_TOKEN_SET)
ALGORITHMS = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS512",
)  # fmt: skip
_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
_PRIVATE = ("d", "p", "q", "dp", "dq", "qi", "k", "oth")


class KeyStore(Protocol):
    """Key sets by name; keys are JWK dicts with their private parts."""

    async def add(self, set_id: str, keys: list[dict[str, Any]], *, replace: bool) -> None: ...

    async def get(self, set_id: str, kid: str | None = None) -> list[dict[str, Any]]:
        """The set's keys, newest first (the first one signs)."""
        ...

    async def delete(self, set_id: str, kid: str | None = None) -> bool: ...


def generate(alg: str, kid: str, use: str) -> dict[str, Any]:
    """A new private JWK for ``alg``."""
    params: KeyParameters = {"kid": kid, "alg": alg, "use": use}
    key: Key
    if alg.startswith(("RS", "PS")):
        key = RSAKey.generate_key(4096, parameters=params)
    elif alg in _CURVES:
        key = ECKey.generate_key(_CURVES[alg], parameters=params)
    elif alg == "EdDSA":
        key = OKPKey.generate_key("Ed25519", parameters=params)
    elif alg in ("HS256", "HS512"):
        key = OctKey.generate_key(256 if alg == "HS256" else 512, parameters=params)
    else:
        raise Invalid(f"Unsupported algorithm {alg!r}; expected one of {', '.join(ALGORITHMS)}.")
    return dict(key.as_dict(private=True))


def public(key: dict[str, Any]) -> dict[str, Any] | None:
    """The public part of a JWK, or None for a symmetric key (never published)."""
    if key.get("kty") == "oct":
        return None
    return {k: v for k, v in key.items() if k not in _PRIVATE}


def parse_jwk(data: Any) -> dict[str, Any]:
    """Validate a JWK given by an admin; Invalid when joserfc cannot import it.

    ``kid``, ``alg`` and ``use`` are required, as in the spec's ``jsonWebKey``.
    """
    problem = jwk_error(data)
    if problem is not None or not isinstance(data, dict):
        raise Invalid(f"The JSON Web Key is malformed: {problem}.")
    try:
        key = import_key({k: v for k, v in data.items() if v not in (None, "", [])})
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise Invalid(f"The JSON Web Key is invalid: {exc}") from exc
    out = dict(key.as_dict(private=key.is_private))
    for extra in ("kid", "alg", "use", "x5c"):
        if data.get(extra):
            out[extra] = data[extra]
    missing = [k for k in ("kid", "alg", "use") if not isinstance(out.get(k), str) or not out[k]]
    if missing:
        raise Invalid(f"The JSON Web Key must have {', '.join(repr(m) for m in missing)}.")
    return out


class KeyManager:
    def __init__(self, store: KeyStore) -> None:
        self.store = store
        self._lock = asyncio.Lock()
        self.key_object = ParsedKeys()  # the joserfc key of a stored JWK, parsed once

    async def create(self, set_id: str, alg: str, kid: str, use: str) -> list[dict[str, Any]]:
        if use not in ("sig", "enc"):
            raise Invalid("The key use must be 'sig' or 'enc'.")
        key = await asyncio.to_thread(generate, alg, kid or str(uuid.uuid4()), use)
        await self.store.add(set_id, [key], replace=False)
        return [key]

    async def get(self, set_id: str, kid: str | None = None) -> list[dict[str, Any]]:
        keys = await self.store.get(set_id, kid)
        if not keys:
            raise NotFound(f"The requested key set {set_id!r} could not be found.")
        return keys

    async def verification_key(self, set_id: str, kid: str) -> dict[str, Any] | None:
        """The key ``kid`` of a set, or None: what a token naming it is checked against."""
        keys = await self.store.get(set_id, kid)
        return keys[0] if keys else None

    async def signing_key(self, set_id: str, alg: str = "RS256") -> dict[str, Any]:
        """The newest key of a set, generating the set on first need."""
        keys = await self.store.get(set_id)
        if keys:
            return keys[0]
        async with self._lock:
            keys = await self.store.get(set_id)
            if not keys:
                keys = await self.create(set_id, alg, "", "sig")
        return keys[0]

    async def public_keys(self) -> list[dict[str, Any]]:
        """``/.well-known/jwks.json``: public parts of the ID-token and access-token sets."""
        out = []
        for set_id in PUBLIC_SETS:
            if set_id == ID_TOKEN_SET:
                await self.signing_key(set_id)
            for key in await self.store.get(set_id):
                pub = public(key)
                if pub is not None:
                    out.append(pub)
        return out
