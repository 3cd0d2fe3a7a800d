"""The hand-written access-token INSERT (``sql/raw.py``) against SQLAlchemy's, on every backend.

The token endpoint writes its access-token row with ``RawInsert`` through
``Database.raw_write``; these tests pin that the stored bytes are the ones
SQLAlchemy would have written, that a repeated INSERT is harmless (so a retry
after an ambiguous commit is safe), and how driver errors are translated.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from roost.core.errors import Conflict, Invalid, NotFound, Unavailable
from roost.oauth2.clients.model import Client, stamp, validate
from roost.oauth2.migrations import MIGRATIONS
from roost.oauth2.sql.clients import ClientStore
from roost.oauth2.sql.network import ensure_network
from roost.oauth2.sql.raw import RawInsert
from roost.oauth2.sql.tables import hydra_oauth2_access as access_t
from roost.oauth2.sql.tokens import TokenStore
from roost.oauth2.tokens.aead import AEAD
from roost.oauth2.tokens.issuer import now_utc
from roost.oauth2.tokens.record import TokenRecord
from roost.storage import database as dbmod
from roost.storage.database import Database
from roost.storage.migrate import Migrator
from tests.conftest import head_dsn

SECRET = "a-system-secret-of-at-least-32-characters"


@dataclass
class Env:
    db: Database
    nid: uuid.UUID
    tokens: TokenStore
    client_id: str


@pytest.fixture
async def env(backend: str, tmp_path: Path) -> AsyncIterator[Env]:
    db = Database(head_dsn(backend, tmp_path, "oauth2", MIGRATIONS))
    try:
        await Migrator(db, "oauth2", MIGRATIONS).up()
        nid = await ensure_network(db)
        doc, _ = validate({"client_id": "raw-sql"}, default_scope=("offline",))
        stamp(doc, None)
        await ClientStore(db, nid).create(Client(doc, "$pbkdf2-sha256$i=1,l=32$AA$AA"), "")
        yield Env(db, nid, TokenStore(db, nid, AEAD([SECRET])), "raw-sql")
    finally:
        await db.close()


def record(env: Env, signature: str, client_id: str | None = None) -> TokenRecord:
    now = now_utc().replace(microsecond=0)
    return TokenRecord(
        signature=signature,
        request_id=str(uuid.uuid4()),
        requested_at=now,
        client_id=client_id or env.client_id,
        subject=env.client_id,
        expires_at=now + timedelta(hours=1),
        requested_scope=["a", "b"],
        granted_scope=["a"],
        requested_audience=["https://api"],
        granted_audience=["https://api"],
        form="grant_type=client_credentials",
        session={"extra": {"k": "v"}, "client_id": env.client_id},
    )


async def stored(env: Env, signature: str) -> dict[str, Any]:
    """The row as the database keeps it (no SQLAlchemy type processing)."""
    names = ", ".join(c.name for c in access_t.columns)
    query = text(f"SELECT {names} FROM hydra_oauth2_access WHERE signature = :s")

    async def run(conn: Any) -> dict[str, Any]:
        return dict((await conn.execute(query, {"s": signature})).mappings().one())

    result: dict[str, Any] = await env.db.read(run)
    return result


async def test_raw_insert_stores_what_sqlalchemy_stores(env: Env) -> None:
    raw_rec, sa_rec = record(env, "raw-" + "a" * 60), record(env, "sqla-" + "b" * 59)
    sa_rec.request_id, sa_rec.requested_at = raw_rec.request_id, raw_rec.requested_at
    sa_rec.expires_at = raw_rec.expires_at
    await env.tokens.create(raw_rec)  # the hot path: RawInsert
    sa_row = env.tokens._row(sa_rec)

    async def insert(conn: Any) -> None:
        await conn.execute(access_t.insert().values(**sa_row))

    await env.db.transaction(insert)
    a, b = await stored(env, raw_rec.signature), await stored(env, sa_rec.signature)
    assert {k: v for k, v in a.items() if k not in ("signature", "session_data")} == {
        k: v for k, v in b.items() if k not in ("signature", "session_data")
    }
    # Sealed sessions differ by nonce; both open to the same session.
    got = await env.tokens.get_access(raw_rec.signature)
    assert got is not None
    assert got == raw_rec

    async def typed(conn: Any) -> Sequence[Any]:
        query = select(access_t).where(access_t.c.signature == raw_rec.signature)
        return list((await conn.execute(query)).mappings().one().values())

    values = await env.db.read(typed)
    assert values[access_t.columns.keys().index("nid")] == env.nid
    assert values[access_t.columns.keys().index("active")] is True


async def test_raw_insert_is_idempotent(env: Env) -> None:
    rec = record(env, "twice-" + "c" * 58)
    await env.tokens.create(rec)
    await env.tokens.create(rec)  # what a retry after an ambiguous commit does

    async def count(conn: Any) -> int:
        query = text("SELECT count(*) FROM hydra_oauth2_access WHERE signature = :s")
        return int((await conn.execute(query, {"s": rec.signature})).scalar_one())

    assert await env.db.read(count) == 1


async def test_raw_insert_for_a_missing_client_is_not_found(env: Env) -> None:
    with pytest.raises(NotFound):
        await env.tokens.create(record(env, "orphan-" + "d" * 57, client_id="no-such-client"))


class _Driver(OSError):
    """A driver error carrying an SQLSTATE, as asyncpg's do."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.sqlstate = code


@pytest.mark.parametrize(
    ("code", "idempotent", "outcome"),
    [
        ("40001", False, None),  # serialization failure: always retried
        ("40003", True, None),  # ambiguous commit: retried when the statement is idempotent
        ("40003", False, Unavailable),
        ("23505", True, Conflict),  # never retried
    ],
)
async def test_raw_write_retry_rules(
    env: Env,
    monkeypatch: pytest.MonkeyPatch,
    code: str,
    idempotent: bool,
    outcome: type[Exception] | None,
) -> None:
    monkeypatch.setattr(dbmod, "_backoff", lambda attempt: 0)
    calls = 0
    original = Database._fetch_on

    async def flaky(self: Database, driver: Any, sql: str, params: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise _Driver(code)
        return await original(self, driver, sql, params)

    monkeypatch.setattr(Database, "_fetch_on", flaky)
    insert = RawInsert(env.db, access_t)
    rec = record(env, f"retry-{code}-{idempotent}-" + "e" * 40)
    params = insert.params(env.tokens._row(rec))
    if outcome is None:
        await env.db.raw_write(insert.sql, params, idempotent=idempotent)
        assert calls == 2
        assert await env.tokens.get_access(rec.signature) is not None
    else:
        with pytest.raises(outcome):
            await env.db.raw_write(insert.sql, params, idempotent=idempotent)
        assert calls == 1


async def test_key_lookups_stay_in_their_network_and_plan_on_the_key(env: Env) -> None:
    """Another network's stores see nothing; the hot pool's generic plans (made before any
    ANALYZE) use the primary keys, not a walk over the network's ``(nid, ...)`` index."""
    await env.tokens.create(record(env, "sig-in-this-network"))
    assert await env.tokens.get_access("sig-in-this-network") is not None
    other = uuid.uuid4()
    assert await TokenStore(env.db, other, AEAD([SECRET])).get_access("sig-in-this-network") is None
    assert await ClientStore(env.db, other).get(env.client_id) is None
    if env.db.dialect == "sqlite":
        return
    lookups = [
        (TokenStore(env.db, env.nid, AEAD([SECRET]))._access, "hydra_oauth2_access_pkey"),
        (ClientStore(env.db, env.nid)._by_id, "hydra_client_pkey"),
    ]
    for lookup, index in lookups:
        name = f"lookup_{uuid.uuid4().hex}"
        async with env.db.raw_reader() as run:  # a hot-pool session: force_generic_plan
            await run(f"PREPARE {name}(text) AS {lookup.by_key}", ())
            plan = "\n".join(r[0] for r in await run(f"EXPLAIN EXECUTE {name}('x')", ()))
            await run(f"DEALLOCATE {name}", ())
        assert index in plan and "Filter" not in plan, plan


async def test_a_code_is_spent_once_under_concurrency(env: Env) -> None:
    """``use_code`` is a guarded single-statement UPDATE: of concurrent redemptions one wins."""
    rec = record(env, "code-" + "f" * 59)
    await env.tokens.create_code(rec)
    read = await env.tokens.get_code(rec.signature)
    assert read == rec
    wins = await asyncio.gather(*(env.tokens.use_code(read) for _ in range(5)))
    assert sorted(wins) == [False, False, False, False, True]
    spent = await env.tokens.get_code(rec.signature)
    assert spent is not None and not spent.active and spent.session == rec.session
    assert spent.expires_at is not None  # kept REUSE_WINDOW to detect replays
    assert spent.expires_at > now_utc() + timedelta(minutes=29)
    assert await TokenStore(env.db, uuid.uuid4(), AEAD([SECRET])).get_code(rec.signature) is None


async def test_access_and_refresh_rows_land_together_or_not_at_all(env: Env) -> None:
    """One hand-written transaction: a refresh row that cannot be stored (no such client)
    leaves no access row behind."""
    access, refresh = record(env, "pair-access"), record(env, "pair-refresh")
    await env.tokens.create(access, refresh)
    assert await env.tokens.get_access("pair-access") is not None
    got = await env.tokens.get_refresh("pair-refresh")
    assert got is not None and got.request_id == refresh.request_id
    await env.tokens.create(access, refresh)  # a retry after an ambiguous commit is harmless
    lone = record(env, "half-access")
    with pytest.raises(NotFound):
        await env.tokens.create(lone, record(env, "half-refresh", client_id="no-such-client"))
    assert await env.tokens.get_access("half-access") is None


async def test_unstorable_text_in_a_hand_written_write_is_invalid_everywhere(env: Env) -> None:
    """SQLite keeps NUL that PostgreSQL refuses; hand-written writes refuse it on both."""
    rec = record(env, "nul-" + "g" * 60)
    rec.subject = "nul\x00subject"
    with pytest.raises(Invalid):
        await env.tokens.create_code(rec)
    with pytest.raises(Invalid):
        await env.tokens.create(record(env, "pair-nul"), rec)
    assert await env.tokens.get_code(rec.signature) is None
    assert await env.tokens.get_access("pair-nul") is None
