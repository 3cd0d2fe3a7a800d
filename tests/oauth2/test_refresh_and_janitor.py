"""The refresh_token grant (strict rotation, reuse detection) and the janitor, per backend.

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
from roost.oauth2.sql.tables import hydra_oauth2_access, hydra_oauth2_refresh
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


async def test_janitor_deletes_only_expired_rows_in_batches(dsn: str) -> None:
    svc = await open_service(dsn, janitor={"batch_size": 3})
    try:
        client = await add_client(svc, client_id="j-client", grant_types=["client_credentials"])
        issuer = svc.ready.issuer
        tokens = [
            await issuer.issue(Granted(client, "client_credentials", "j", [], []), refresh=i < 4)
            for i in range(8)
        ]

        async def expire_some(conn):  # type: ignore[no-untyped-def]
            past = now_utc() - timedelta(minutes=1)
            for table in (hydra_oauth2_access, hydra_oauth2_refresh):
                rows = (
                    await conn.execute(select(table.c.signature).order_by(table.c.signature))
                ).all()
                keys = [r[0] for r in rows[: len(rows) // 2 + 1]]
                await conn.execute(
                    update(table).where(table.c.signature.in_(keys)).values(expires_at=past)
                )

        await svc.db.transaction(expire_some)

        async def count(conn):  # type: ignore[no-untyped-def]
            return [
                (await conn.execute(select(func.count()).select_from(t))).scalar_one()
                for t in (hydra_oauth2_access, hydra_oauth2_refresh)
            ]

        assert await svc.db.read(count) == [8, 4]
        removed = await svc.ready.janitor.run()
        assert removed == 5 + 3
        assert await svc.db.read(count) == [3, 1]
        assert await svc.ready.janitor.run() == 0
        active = [await svc.ready.introspector.introspect(t["access_token"], None) for t in tokens]
        assert sum(1 for a in active if a["active"]) == 3
    finally:
        await svc.close()


async def test_background_janitor(dsn: str) -> None:
    svc = await open_service(dsn, janitor={"interval": "1s", "batch_size": 10})
    try:
        client = await add_client(svc, client_id="bg-client", grant_types=["client_credentials"])
        issued = await svc.ready.issuer.issue(Granted(client, "client_credentials", "x", [], []))

        async def expire(conn):  # type: ignore[no-untyped-def]
            await conn.execute(
                update(hydra_oauth2_access).values(expires_at=now_utc() - timedelta(seconds=1))
            )

        await svc.db.transaction(expire)
        assert issued is not None
        for _ in range(40):
            await asyncio.sleep(0.1)
            if await svc.ready.tokens.get_access(_hash(issued["access_token"])) is None:
                break
        assert await svc.ready.tokens.get_access(_hash(issued["access_token"])) is None
    finally:
        await svc.close()


def _hash(token: str) -> str:
    from roost.oauth2.tokens.hmac import signature_hash, signature_of

    return signature_hash(signature_of(token))


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
