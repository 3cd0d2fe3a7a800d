"""The steps every flow shares, over the real SQL store (SQLite and PostgreSQL).

Kratos's order of refusals (unknown, browser on an API flow, expired,
completed) comes before the body is read, and a flow completes with what it
produced in one transaction or not at all.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from roost.core.errors import Conflict, Invalid, NotFound
from roost.identity.errors import KratosError
from roost.identity.identities.model import now
from roost.identity.selfservice.flow import csrf_node
from roost.identity.selfservice.flows import Flows, FormError, Submission
from roost.identity.sessions.model import Device
from roost.identity.sql.selfservice import SelfServiceStore
from tests.identity.sql.test_stores import Stores, person, with_stores

URL = "http://roost.test"
LIFESPANS = {"login": timedelta(hours=1), "registration": timedelta(hours=1)}


def flows_of(s: Stores) -> Flows:
    store = SelfServiceStore(s.db, s.identities.nid, s.identities, s.sessions)
    return Flows(store, URL, LIFESPANS)


async def unread() -> dict[str, Any]:
    raise AssertionError("the body must not be read before the flow accepts the request")


def submit(flow_id: uuid.UUID, browser: Any = None, body: Any = unread) -> Submission:
    return Submission(flow_id, browser, Device("10.0.0.1:1", "ua"), body)


def test_refusals_come_in_kratos_order_before_the_body(dsn: str) -> None:
    async def body(s: Stores) -> None:
        flows = flows_of(s)
        with pytest.raises(NotFound):
            await flows.open("login", submit(uuid.uuid4()), lambda f: [])
        f = await flows.create("login", "api", URL + "/self-service/login/api", [csrf_node()])
        with pytest.raises(NotFound):
            await flows.open("registration", submit(f.id), lambda f: [])  # another kind
        for signal, word in (("origin", '"Origin"'), ("cookie", '"Cookie"')):
            with pytest.raises(Invalid) as refused:
                await flows.open("login", submit(f.id, signal), lambda f: [])
            assert word in refused.value.reason
        f.expires_at = now() - timedelta(minutes=1)
        await flows.store.save(f)
        with pytest.raises(KratosError) as gone:
            await flows.open("login", submit(f.id), lambda f: [csrf_node()])
        assert gone.value.status == 410 and gone.value.error_id == "self_service_flow_expired"
        successor = await flows.store.get("login", uuid.UUID(gone.value.extra["use_flow_id"]))
        assert successor is not None and not successor.expired()
        assert successor.messages[0]["id"] == 4010001
        with pytest.raises(KratosError) as on_get:
            await flows.shown("login", f.id)
        assert on_get.value.details == {"api": URL + "/self-service/login/api"}
        successor.state = "passed_challenge"
        await flows.store.save(successor)
        with pytest.raises(Invalid):
            await flows.open("login", submit(successor.id), lambda f: [])

    with_stores(dsn, body)


def test_open_reads_the_body_and_clears_old_messages(dsn: str) -> None:
    async def body(s: Stores) -> None:
        flows = flows_of(s)
        f = await flows.create("login", "api", URL, [csrf_node()])
        f.messages.append({"id": 1, "text": "old", "type": "error"})
        saved = await flows.rejected(FormError(f))
        assert saved.flow is f
        stored = await flows.store.get("login", f.id)
        assert stored is not None and stored.messages

        async def read() -> dict[str, Any]:
            return {"method": "password"}

        opened, data = await flows.open("login", submit(f.id, body=read), lambda f: [])
        assert data == {"method": "password"} and opened.messages == []

    with_stores(dsn, body)


def test_complete_writes_identity_session_and_flow_together_or_not_at_all(dsn: str) -> None:
    async def body(s: Stores) -> None:
        flows = flows_of(s)
        first = await flows.create("registration", "api", URL, [csrf_node()])
        ident = person("reg@x.io")
        from roost.identity.sessions.manager import SessionManager

        session = SessionManager(s.sessions, timedelta(hours=1), None).issue(
            ident, Device("1.1.1.1:1", "ua")
        )
        first.state = "passed_challenge"
        await flows.store.complete(first, identity=ident, session=session)
        assert (await s.identities.get(ident.id)) is not None
        assert (await s.sessions.by_token(session.token)) is not None
        done = await flows.store.get("registration", first.id)
        assert done is not None and done.state == "passed_challenge"

        second = await flows.create("registration", "api", URL, [csrf_node()])
        twin = person("reg@x.io")
        second.state = "passed_challenge"
        with pytest.raises(Conflict):
            await flows.store.complete(second, identity=twin)
        assert await s.identities.get(twin.id) is None
        untouched = await flows.store.get("registration", second.id)
        assert untouched is not None and untouched.state == "choose_method"

    with_stores(dsn, body)
