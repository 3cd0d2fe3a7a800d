"""The janitor, per backend: only expired rows go, in batches; the background loop runs."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, update

from roost.oauth2.sql.tables import hydra_oauth2_access, hydra_oauth2_refresh
from roost.oauth2.tokens.issuer import Granted, now_utc
from tests.oauth2.support import add_client, open_service


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


async def test_janitor_drops_client_auth_failure_counts_whose_window_passed(dsn: str) -> None:
    from roost.core.throttle import WINDOW
    from roost.oauth2.sql.tables import roost_client_auth_failures as failures

    svc = await open_service(dsn)
    try:
        now = now_utc()
        store = svc.ready.janitor.failures
        assert store is not None
        old, recent = "a" * 64, "b" * 64

        async def seed(conn):  # type: ignore[no-untyped-def]
            nid = svc.ready.clients.nid
            for key, at in ((old, now - WINDOW * 2), (recent, now)):
                await conn.execute(
                    failures.insert().values(
                        nid=nid, identifier_key=key, failures=3, first_failed_at=at
                    )
                )

        await svc.db.transaction(seed)
        assert await svc.ready.janitor.run() == 1
        rows = await svc.db.read(lambda conn: conn.execute(select(failures.c.identifier_key)))
        assert [r[0] for r in rows] == [recent]
    finally:
        await svc.close()
