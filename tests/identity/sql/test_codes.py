"""The code store on SQLite and PostgreSQL: the counter, resend, and one use per code."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from roost.identity.identities.model import now
from roost.identity.selfservice.codes import OneTimeCode
from roost.identity.selfservice.flow import Flow, csrf_node
from roost.identity.sql.codes import CodeStore
from tests.identity.sql.test_stores import Stores, person, with_stores


def _setup(s: Stores) -> tuple[CodeStore, Flow]:
    store = CodeStore(s.db, s.identities.nid, s.flows, s.identities, s.sessions)
    f = Flow.new("recovery", "api", "http://x/self-service/recovery/api", timedelta(hours=1), [])
    f.nodes = [csrf_node()]
    return store, f


def test_counter_and_one_use_per_code(dsn: str) -> None:
    async def run(s: Stores) -> None:
        ident = person("codes@example.com")
        await s.add(ident)
        store, f = _setup(s)
        await s.flows.create(f)
        counts = await asyncio.gather(*(store.count_submission("recovery", f.id) for _ in range(6)))
        assert sorted(counts) == [1, 2, 3, 4, 5, 6]
        await s.flows.save(f)  # a save never winds the counter back
        assert await store.count_submission("recovery", f.id) == 7
        address = ident.recovery_addresses[0]
        first = OneTimeCode(
            "recovery_code", f.id, "a" * 64, now() + timedelta(hours=1), ident.id, address.id
        )
        await store.add(first)
        second = OneTimeCode(
            "recovery_code", f.id, "b" * 64, now() + timedelta(hours=1), ident.id, address.id
        )
        await store.add(second)  # a resend replaces the earlier code
        (left,) = await store.candidates("recovery_code", f.id)
        assert left.digest == "b" * 64
        f.state = "passed_challenge"
        wins = await asyncio.gather(*(store.redeem(left, f, verify=True) for _ in range(3)))
        assert sorted(wins) == [False, False, True]
        assert await store.candidates("recovery_code", f.id) == []
        found = await s.identities.get(ident.id)
        assert found is not None and found.verifiable_addresses[0].verified
        assert found.verifiable_addresses[0].status == "completed"
        assert await store.owner("recovery", "codes@example.com") is not None
        assert await store.owner("recovery", "nobody@example.com") is None

    with_stores(dsn, run)
