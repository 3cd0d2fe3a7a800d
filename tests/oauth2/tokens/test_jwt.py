"""JWT access tokens are verified before introspection believes them (issue 9, item 3).

Both attacks of the issue: a string ending in a real token's signature segment,
and the real token with its payload changed, must introspect as inactive (and
be useless for revocation and userinfo, which ask the same ``find``). Expired,
not-yet-valid and foreign-issuer tokens, signed with the service's own key, too.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from joserfc import jwt
from joserfc.jwk import import_key

from roost.oauth2.jwk.manager import ACCESS_TOKEN_SET
from roost.oauth2.service import OAuth2Service
from roost.oauth2.tokens.issuer import Granted
from tests.oauth2.support import add_client, open_service


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    head, body, sig = token.split(".")
    header, claims = (
        json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in (head, body)
    )
    return header, claims, sig


async def _jwt_token(svc: OAuth2Service) -> str:
    client = await add_client(
        svc, client_id="jwt-client", grant_types=["client_credentials"], scope="read"
    )
    client.doc["access_token_strategy"] = "jwt"
    issued = await svc.ready.issuer.issue(
        Granted(client, "client_credentials", "jwt-client", ["read"], ["read"])
    )
    assert issued is not None
    token: str = issued["access_token"]
    assert token.count(".") == 2
    return token


async def _signed(svc: OAuth2Service, claims: dict[str, Any]) -> str:
    key = await svc.ready.keys.signing_key(ACCESS_TOKEN_SET)
    header = {"alg": key["alg"], "kid": key["kid"], "typ": "JWT"}
    return jwt.encode(header, claims, import_key(key))


async def test_only_the_real_token_is_active(dsn: str) -> None:
    svc = await open_service(dsn)
    try:
        token = await _jwt_token(svc)
        introspect = svc.ready.introspector.introspect
        assert (await introspect(token, None))["active"] is True

        header, claims, sig = _segments(token)
        # Any string ending in the real signature segment.
        assert await introspect(f"x.y.{sig}", None) == {"active": False}
        assert await introspect(f"{_b64(header)}.{_b64({'sub': 'mallory'})}.{sig}", None) == {
            "active": False
        }
        # The real header and signature around a changed payload.
        forged = {**claims, "scp": ["read", "admin"], "sub": "admin"}
        changed = f"{token.split('.')[0]}.{_b64(forged)}.{sig}"
        assert await introspect(changed, None) == {"active": False}
        # Header changed to another algorithm: the key's own algorithm rules.
        none_alg = f"{_b64({**header, 'alg': 'none'})}.{token.split('.')[1]}.{sig}"
        assert await introspect(none_alg, None) == {"active": False}

        assert await svc.ready.introspector.find(changed) is None  # revocation, userinfo
        assert (await introspect(token, None))["active"] is True
    finally:
        await svc.close()


async def test_claims_in_force_and_ours(dsn: str) -> None:
    svc = await open_service(dsn)
    try:
        token = await _jwt_token(svc)
        _header, claims, _sig = _segments(token)
        now = int(time.time())
        verify = svc.ready.issuer.jwt.verify
        assert await verify(token) is not None
        assert await verify(await _signed(svc, claims)) is not None
        assert await verify(await _signed(svc, {**claims, "exp": now - 1})) is None
        assert (
            await verify(await _signed(svc, {k: v for k, v in claims.items() if k != "exp"}))
            is None
        )
        assert await verify(await _signed(svc, {**claims, "nbf": now + 3600})) is None
        assert await verify(await _signed(svc, {**claims, "iss": "https://evil.example"})) is None
        assert (
            await verify(await _signed(svc, {k: v for k, v in claims.items() if k != "iss"}))
            is None
        )
        # A key outside the service's access-token set (same kid) proves nothing.
        stranger = await svc.ready.keys.create("some.other.set", "RS256", "", "sig")
        header = {
            "alg": "RS256",
            "kid": (await svc.ready.keys.signing_key(ACCESS_TOKEN_SET))["kid"],
        }
        assert await verify(jwt.encode(header, claims, import_key(stranger[0]))) is None
    finally:
        await svc.close()
