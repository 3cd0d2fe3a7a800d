"""The DPoP replay cache on a real database: a proof is accepted once, in its network."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from roost.oauth2.janitor import Janitor
from roost.oauth2.sql.dpop import ProofReplayStore
from roost.oauth2.sql.network import ensure_network
from roost.oauth2.tokens.issuer import now_utc
from tests.oauth2.support import open_service


async def test_a_proof_is_first_used_once_even_concurrently(dsn: str) -> None:
    svc = await open_service(dsn)
    try:
        nid = await ensure_network(svc.db)
        store = ProofReplayStore(svc.db, nid)
        later = now_utc() + timedelta(minutes=1)
        uses = await asyncio.gather(*(store.first_use("a" * 64, later) for _ in range(6)))
        assert sorted(uses) == [False] * 5 + [True]
        assert await store.first_use("a" * 64, later) is False
        assert await store.first_use("b" * 64, later) is True
    finally:
        await svc.close()


async def test_the_janitor_deletes_proofs_too_old_to_replay(dsn: str) -> None:
    svc = await open_service(dsn)
    try:
        nid = await ensure_network(svc.db)
        store = ProofReplayStore(svc.db, nid)
        now = now_utc()
        assert await store.first_use("c" * 64, now - timedelta(seconds=1))
        assert await store.first_use("d" * 64, now + timedelta(minutes=1))
        await Janitor(svc.ready.tokens, 10, proofs=store).run()
        assert await store.first_use("c" * 64, now + timedelta(minutes=1))  # its row went
        assert not await store.first_use("d" * 64, now + timedelta(minutes=1))  # kept
    finally:
        await svc.close()
