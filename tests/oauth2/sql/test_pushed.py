"""The pushed-request store on a real database: each request is taken once, in its network."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from roost.oauth2.janitor import Janitor
from roost.oauth2.rfc9126 import PushedRequest
from roost.oauth2.sql.network import ensure_network
from roost.oauth2.sql.pushed import PushedRequestStore
from roost.oauth2.tokens.issuer import now_utc
from tests.oauth2.support import open_service


async def test_a_pushed_request_is_taken_once_and_expired_ones_are_flushed(dsn: str) -> None:
    svc = await open_service(dsn)
    try:
        nid = await ensure_network(svc.db)
        store = PushedRequestStore(svc.db, nid)
        now = now_utc()
        live = PushedRequest(
            "c1", {"scope": "openid", "state": "s" * 12}, now + timedelta(minutes=1)
        )
        await store.add("a" * 64, live)
        assert await PushedRequestStore(svc.db, uuid.uuid4()).take("a" * 64) is None
        taken = await asyncio.gather(*(store.take("a" * 64) for _ in range(5)))
        assert [t for t in taken if t is not None] == [live]

        await store.add("b" * 64, PushedRequest("c1", {}, now - timedelta(seconds=1)))
        await store.add("c" * 64, live)
        await Janitor(svc.ready.tokens, 10, pushed=store).run()
        assert await store.take("b" * 64) is None  # expired: flushed
        assert await store.take("c" * 64) == live
    finally:
        await svc.close()
