"""Storage conformance for the identity, session and flow stores, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.core.errors import Conflict
from roost.identity.identities.model import Address, Credential, Identity, now
from roost.identity.migrations import MIGRATIONS
from roost.identity.selfservice.flow import Flow, csrf_node
from roost.identity.sessions.model import Device, Session, password_method
from roost.identity.sql.flows import FlowStore
from roost.identity.sql.identities import IdentityStore, ensure_network
from roost.identity.sql.sessions import SessionStore
from roost.storage.database import Database
from roost.storage.migrate import Migrator


class Stores:
    def __init__(self, db: Database, identities: IdentityStore) -> None:
        self.db = db
        self.identities = identities
        self.sessions = SessionStore(db, identities.nid, identities)
        self.flows = FlowStore(db, identities.nid)

    async def add(self, ident: Identity) -> None:
        async def run(conn: AsyncConnection) -> None:
            await self.identities.insert(conn, ident)

        await self.db.transaction(run)


def with_stores(dsn: str, fn: Callable[[Stores], Awaitable[Any]]) -> None:
    async def run() -> None:
        db = Database(dsn)
        try:
            await Migrator(db, "identity", MIGRATIONS).up()
            await fn(Stores(db, IdentityStore(db, await ensure_network(db))))
        finally:
            await db.close()

    asyncio.run(run())


def person(address: str) -> Identity:
    ident = Identity(schema_id="default", traits={"email": address}, metadata_public={"a": 1})
    ident.credentials["password"] = Credential(
        "password", [address], {"hashed_password": "$2a$04$" + "b" * 53}
    )
    ident.verifiable_addresses = [Address("email", address)]
    ident.recovery_addresses = [Address("email", address)]
    return ident


def test_identity_round_trip_and_uniqueness(dsn: str) -> None:
    async def body(s: Stores) -> None:
        ident = person("a@x.io")
        await s.add(ident)
        got = await s.identities.get(ident.id)
        assert got is not None
        assert got.traits == {"email": "a@x.io"} and got.metadata_public == {"a": 1}
        assert got.credentials["password"].identifiers == ["a@x.io"]
        assert [a.value for a in got.verifiable_addresses] == ["a@x.io"]
        assert got.verifiable_addresses[0].status == "pending"
        with pytest.raises(Conflict):
            await s.add(person("a@x.io"))
        assert len(await s.identities.list(after=None, limit=10)) == 1  # nothing half-written
        found = await s.identities.by_identifier("password", "a@x.io")
        assert found is not None and found.id == ident.id
        assert found.credentials["password"].config["hashed_password"].startswith("$2a$04$")
        ident.traits = {"email": "b@x.io"}
        ident.credentials["password"].identifiers = ["b@x.io"]

        async def replace(conn: AsyncConnection) -> None:
            await s.identities.replace(conn, ident)

        await s.db.transaction(replace)
        assert await s.identities.by_identifier("password", "a@x.io") is None
        assert await s.identities.list(after=None, limit=5, identifier="b@x.io")

    with_stores(dsn, body)


def test_keyset_pages_cover_everything_once(dsn: str) -> None:
    async def body(s: Stores) -> None:
        for i in range(7):
            await s.add(person(f"p{i}@x.io"))
        seen, after = [], None
        while True:
            page = await s.identities.list(after=after, limit=3)
            seen += [i.id for i in page]
            if len(page) < 3:
                break
            after = page[-1].id
        assert len(seen) == 7 == len(set(seen)) and seen == sorted(seen)

    with_stores(dsn, body)


def test_sessions_lifecycle(dsn: str) -> None:
    async def body(s: Stores) -> None:
        ident = person("s@x.io")
        await s.add(ident)
        at = now()
        sessions = []
        for i in range(3):
            sess = Session(
                identity_id=ident.id,
                expires_at=at + timedelta(hours=1),
                authentication_methods=[password_method(at)],
                devices=[Device(f"10.0.0.{i}:1", "ua")],
                created_at=at + timedelta(seconds=i),
            )
            await s.sessions.create(sess)
            sessions.append(sess)
        got = await s.sessions.by_token(sessions[0].token)
        assert got is not None and got.identity is not None
        assert got.identity.id == ident.id and got.devices[0].ip_address == "10.0.0.0:1"
        assert await s.sessions.by_token("ory_st_unknown") is None
        listed = await s.sessions.list(identity_id=ident.id, limit=2)
        assert [x.id for x in listed] == [sessions[2].id, sessions[1].id]
        assert await s.sessions.revoke(identity_id=ident.id, except_id=sessions[0].id) == 2
        assert [x.id for x in await s.sessions.list(active=True)] == [sessions[0].id]
        assert await s.sessions.extend(sessions[0].id, at + timedelta(days=2))
        again = await s.sessions.get(sessions[0].id)
        assert again is not None and again.expires_at > at + timedelta(days=1)
        assert await s.sessions.delete_for_identity(ident.id) == 3

    with_stores(dsn, body)


def test_lookup_by_token_reads_what_the_general_path_reads(dsn: str) -> None:
    """Whoami's hand-written join (``session_lookup``) against ``get``'s SQLAlchemy reads."""

    async def body(s: Stores) -> None:
        ident = person("t@x.io")
        ident.metadata_public = "a JSON string"  # decoded once, not twice
        ident.metadata_admin = {"big": 2**70}  # exact, as SQLAlchemy's json.loads reads it
        ident.external_id, ident.organization_id = "ext-1", uuid.uuid4()
        await s.add(ident)
        at = now()
        lone = Session(
            identity_id=ident.id,
            expires_at=at - timedelta(seconds=1),  # expired: found, judged by the caller
            authentication_methods=[password_method(at)],
            devices=[Device("10.0.0.1:1", "ua", "Berlin, DE")],
            aal="aal2",
        )
        pair = Session(
            identity_id=ident.id,
            expires_at=at + timedelta(hours=1),
            authentication_methods=[],
            devices=[Device("10.0.0.2:1", "ua"), Device("10.0.0.3:1", "")],
        )
        bare = Session(identity_id=ident.id, expires_at=at, authentication_methods=[])
        for sess in (lone, pair, bare):
            await s.sessions.create(sess)
        url = "https://x.io/schemas/ZGVmYXVsdA"
        for sess in (lone, pair, bare):
            fast, general = await s.sessions.by_token(sess.token), await s.sessions.get(sess.id)
            assert fast is not None and general is not None and fast.identity is not None
            assert fast.identity.metadata_admin == {"big": 2**70}
            assert [a.value for a in fast.identity.recovery_addresses] == ["t@x.io"]
            assert fast.token == sess.token and fast.logout_token == sess.logout_token
            assert (fast.created_at, fast.updated_at) == (general.created_at, general.updated_at)
            for got in (fast, general):
                got.devices.sort(key=lambda d: str(d.id))
            assert fast.to_json(url) == general.to_json(url)
        assert len(pair.devices) == 2 and (await s.sessions.by_token(bare.token)).devices == []  # type: ignore[union-attr]
        without = SessionStore(
            s.db, s.identities.nid, IdentityStore(s.db, s.identities.nid, addresses=False)
        )
        plain = await without.by_token(lone.token)
        assert plain is not None and plain.identity is not None
        assert plain.identity.verifiable_addresses == plain.identity.recovery_addresses == []

    with_stores(dsn, body)


def test_lookup_by_token_stays_in_its_network_and_plans_on_the_token(dsn: str) -> None:
    """Another network's store cannot see the session; the hot pool's generic plan (made
    before any ANALYZE) goes through the token's unique index, not a scan of the network."""

    async def body(s: Stores) -> None:
        ident = person("n@x.io")
        await s.add(ident)
        sess = Session(identity_id=ident.id, expires_at=now(), authentication_methods=[])
        await s.sessions.create(sess)
        other = uuid.uuid4()
        elsewhere = SessionStore(s.db, other, IdentityStore(s.db, other))
        assert await s.sessions.by_token(sess.token) is not None
        assert await elsewhere.by_token(sess.token) is None
        if s.db.dialect == "sqlite":
            return
        name = f"lookup_{uuid.uuid4().hex}"
        async with s.db.raw_reader() as run:  # a hot-pool session: force_generic_plan
            await run(f"PREPARE {name}(text) AS {s.sessions.lookup.sql}", ())
            plan = "\n".join(r[0] for r in await run(f"EXPLAIN EXECUTE {name}('x')", ()))
            await run(f"DEALLOCATE {name}", ())
        assert "sessions_token_key" in plan and "sessions_nid" not in plan, plan

    with_stores(dsn, body)


def test_flows_and_cleanup(dsn: str) -> None:
    async def body(s: Stores) -> None:
        live = Flow.new(
            "login", "api", "http://x/self-service/login/api", timedelta(hours=1), [csrf_node()]
        )
        dead = Flow.new("registration", "api", "http://x", timedelta(hours=1), [csrf_node()])
        dead.expires_at = now() - timedelta(minutes=1)
        await s.flows.create(live)
        await s.flows.create(dead)
        got = await s.flows.get("login", live.id)
        assert got is not None and got.nodes == live.nodes and not got.expired()
        assert await s.flows.get("registration", live.id) is None  # a foreign flow type
        got.state = "passed_challenge"
        await s.flows.save(got)
        assert (await s.flows.get("login", live.id)).state == "passed_challenge"  # type: ignore[union-attr]
        assert await s.flows.cleanup(now(), 1) == 1
        assert await s.flows.get("registration", dead.id) is None
        assert await s.flows.get("login", live.id) is not None

    with_stores(dsn, body)


def test_each_flow_kind_keeps_its_own_state(dsn: str) -> None:
    """``FlowKind``: login's refresh and AAL, registration's schema, settings' identity, and
    the browser token, written and read back per kind; unknown kinds do not exist."""

    async def body(s: Stores) -> None:
        ident = person(f"kinds-{uuid.uuid4().hex[:8]}@example.com")
        await s.add(ident)
        login = Flow.new("login", "browser", "http://x/l?return_to=/a", timedelta(hours=1), [])
        login.refresh, login.requested_aal, login.csrf_token = True, "aal2", "masked-token"
        login.internal_context = {"oauth2_login_challenge": "c"}
        registration = Flow.new("registration", "api", "http://x/r", timedelta(hours=1), [])
        registration.identity_schema_id, registration.submit_count = "default", 3
        settings = Flow.new("settings", "browser", "http://x/s", timedelta(hours=1), [])
        settings.identity_id, settings.state = ident.id, "show_form"
        for f in (login, registration, settings):
            await s.flows.create(f)
        got = await s.flows.get("login", login.id)
        assert got is not None and got.refresh and got.requested_aal == "aal2"
        assert got.csrf_token == "masked-token" and got.return_to == "/a"
        assert got.internal_context == {"oauth2_login_challenge": "c"}
        got_r = await s.flows.get("registration", registration.id)
        assert got_r is not None and got_r.identity_schema_id == "default"
        assert got_r.submit_count == 3
        got_s = await s.flows.get("settings", settings.id)
        assert got_s is not None and got_s.identity_id == ident.id and got_s.state == "show_form"
        got_s.state = "success"
        await s.flows.save(got_s)
        again = await s.flows.get("settings", settings.id)
        assert again is not None and again.state == "success" and again.identity_id == ident.id
        assert await s.flows.get("recovery", settings.id) is None

    with_stores(dsn, body)
