"""Failed-login slow-down: the rule, and counts shared by every replica (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from roost.identity.credentials.throttle import WINDOW, LoginThrottle, delay_for
from roost.identity.identities.model import now
from roost.identity.migrations import MIGRATIONS
from roost.identity.sql.identities import ensure_network
from roost.identity.sql.login_failures import LoginFailureStore
from roost.identity.sql.tables import login_failures
from roost.storage.database import Database
from roost.storage.migrate import Migrator

SECRET = "a-service-secret-for-tests-only"


def test_delay_rule() -> None:
    assert [delay_for(n) for n in range(5)] == [0.0] * 5
    assert [delay_for(n) for n in (5, 6, 7, 8)] == [0.25, 0.5, 1.0, 2.0]
    assert delay_for(10) == delay_for(10_000) == 8.0


class Clock:
    def __init__(self) -> None:
        self.at = now()

    def __call__(self) -> datetime:
        return self.at


def replicas(dsn: str, fn: Callable[..., Awaitable[Any]]) -> None:
    """Two throttles on two connections pools to one database: two replicas."""

    async def run() -> None:
        first, second = Database(dsn), Database(dsn)
        try:
            await Migrator(first, "identity", MIGRATIONS).up()
            nid = await ensure_network(first)
            clock = Clock()
            a = LoginThrottle(LoginFailureStore(first, nid), SECRET, clock)
            b = LoginThrottle(LoginFailureStore(second, nid), SECRET, clock)
            await fn(a, b, clock, first)
        finally:
            await first.close()
            await second.close()

    asyncio.run(run())


def test_failures_on_one_replica_slow_down_the_next_attempt_on_another(dsn: str) -> None:
    async def scenario(a: LoginThrottle, b: LoginThrottle, clock: Clock, db: Database) -> None:
        for i in range(5):
            attempt = await (a if i % 2 else b).begin("alice@example.com")
            assert attempt.delay == 0.0
            await (a if i % 2 else b).failed(attempt)
        assert (await b.begin("alice@example.com")).delay == 0.25
        await a.failed(await a.begin("alice@example.com"))
        assert (await b.begin("alice@example.com")).delay == 0.5
        assert (await b.begin("bob@example.com")).delay == 0.0  # per identifier

        stored = await db.read(lambda conn: conn.execute(select(login_failures)))
        rows = [tuple(r) for r in stored]
        assert len(rows) == 1 and "alice" not in repr(rows)  # an HMAC, not the identifier

        clock.at += WINDOW + timedelta(seconds=1)  # the window has passed: free again
        attempt = await a.begin("alice@example.com")
        assert attempt.delay == 0.0
        await a.failed(attempt)  # and counting starts over
        assert (await b.begin("alice@example.com")).delay == 0.0

        for _ in range(6):
            await a.failed(await a.begin("carol@example.com"))
        assert (await a.begin("carol@example.com")).delay > 0
        await b.succeeded(await b.begin("carol@example.com"))  # a success resets
        assert (await a.begin("carol@example.com")).delay == 0.0

    replicas(dsn, scenario)


def test_concurrent_failures_all_count(dsn: str) -> None:
    async def scenario(a: LoginThrottle, b: LoginThrottle, clock: Clock, db: Database) -> None:
        attempts = [await t.begin("dave@example.com") for t in (a, b) * 6]
        await asyncio.gather(*((a if i % 2 else b).failed(x) for i, x in enumerate(attempts)))
        assert (await a.begin("dave@example.com")).delay == delay_for(12)

    replicas(dsn, scenario)


def test_cleanup_drops_counts_whose_window_passed(dsn: str) -> None:
    async def scenario(a: LoginThrottle, b: LoginThrottle, clock: Clock, db: Database) -> None:
        await a.failed(await a.begin("old@example.com"))
        clock.at += WINDOW * 2
        await a.failed(await a.begin("new@example.com"))
        store = a.counts
        assert isinstance(store, LoginFailureStore)
        assert await store.cleanup(clock.at - WINDOW, 10) == 1
        assert (await store.get(a._identifier_key("new@example.com"), clock.at - WINDOW))[1]

    replicas(dsn, scenario)
