"""The refresh_token grant (strict rotation, reuse detection), per backend.

Refresh tokens come from the authorization code flow (a later issue); here
they are minted through the same :class:`TokenIssuer` that flow will use.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from roost.oauth2.rfc6749.errors import InvalidGrant, InvalidScope
from roost.oauth2.sql.tables import hydra_oauth2_refresh
from roost.oauth2.tokens.issuer import Granted, now_utc
from tests.oauth2.support import add_client, open_service

BASIC = "Basic " + base64.b64encode(b"rt-client:client-secret").decode()


async def test_refresh_rotation_and_reuse_detection(dsn: str) -> None:
    svc = await open_service(dsn)
    try:
        client = await add_client(
            svc, client_id="rt-client", grant_types=["refresh_token"], scope="offline read write"
        )
        issued = await svc.ready.issuer.issue(
            Granted(client, "authorization_code", "alice", ["read", "write"], ["read", "write"]),
            refresh=True,
        )
        assert issued is not None and issued["refresh_token"].startswith("ory_rt_")
        form = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
        rotated = await svc.ready.token_endpoint.handle({**form, "scope": "read"}, BASIC)
        assert rotated["scope"] == "read" and rotated["refresh_token"] != issued["refresh_token"]
        old = await svc.ready.introspector.introspect(issued["access_token"], None)
        assert old == {"active": False}  # the grant's old access token is gone
        new = await svc.ready.introspector.introspect(rotated["access_token"], None)
        assert new["sub"] == "alice" and new["scope"] == "read"
        refresh_info = await svc.ready.introspector.introspect(rotated["refresh_token"], None)
        assert refresh_info["active"] and refresh_info["token_use"] == "refresh_token"

        with pytest.raises(InvalidGrant):  # reuse of the first refresh token...
            await svc.ready.token_endpoint.handle(form, BASIC)
        gone = await svc.ready.introspector.introspect(rotated["access_token"], None)
        assert gone == {"active": False}  # ...revokes everything of the grant
        with pytest.raises(InvalidGrant):
            await svc.ready.token_endpoint.handle(
                {**form, "refresh_token": rotated["refresh_token"]}, BASIC
            )
    finally:
        await svc.close()


async def test_refresh_scope_and_expiry(dsn: str) -> None:
    svc = await open_service(dsn)
    try:
        client = await add_client(
            svc, client_id="rt-client", grant_types=["refresh_token"], scope="read write"
        )
        issuer = svc.ready.issuer
        issued = await issuer.issue(
            Granted(client, "authorization_code", "bob", ["read"], ["read"]), refresh=True
        )
        form = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
        with pytest.raises(InvalidScope):
            await svc.ready.token_endpoint.handle({**form, "scope": "write"}, BASIC)

        async def expire(conn):  # type: ignore[no-untyped-def]
            await conn.execute(
                update(hydra_oauth2_refresh).values(expires_at=now_utc() - timedelta(seconds=1))
            )

        await svc.db.transaction(expire)
        with pytest.raises(InvalidGrant):
            await svc.ready.token_endpoint.handle(form, BASIC)
    finally:
        await svc.close()


async def test_concurrent_refreshes_one_wins(dsn: str) -> None:
    """Parallel use of one refresh token (Hydra #3604): one succeeds, the rest are
    ``invalid_grant``; never a 500 or a half-written rotation."""
    svc = await open_service(dsn)
    try:
        client = await add_client(
            svc, client_id="rt-client", grant_types=["refresh_token"], scope="read"
        )
        issued = await svc.ready.issuer.issue(
            Granted(client, "authorization_code", "carol", ["read"], ["read"]), refresh=True
        )
        assert issued is not None
        form = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
        results = await asyncio.gather(
            *(svc.ready.token_endpoint.handle(form, BASIC) for _ in range(4)),
            return_exceptions=True,
        )
        winners = [r for r in results if isinstance(r, dict)]
        assert len(winners) == 1, results
        assert all(isinstance(r, InvalidGrant) for r in results if not isinstance(r, dict))

        async def active_refresh(conn):  # type: ignore[no-untyped-def]
            q = select(func.count()).where(hydra_oauth2_refresh.c.active.is_(True))
            return (await conn.execute(q)).scalar_one()

        assert await svc.db.read(active_refresh) in (0, 1)
    finally:
        await svc.close()
