"""The flow store on a real database: a flow advances from an expected state exactly once."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from roost.oauth2.consent import flow as fl
from roost.oauth2.consent.flow import Flow, LoginSession
from roost.oauth2.sql.flows import FlowStore
from roost.oauth2.sql.network import ensure_network
from roost.oauth2.tokens.issuer import now_utc
from tests.oauth2.support import add_client, open_service


async def test_advance_is_single_use_under_concurrency(dsn: str) -> None:
    svc = await open_service(dsn)
    try:
        client = await add_client(svc, client_id="flow-client")
        store = FlowStore(svc.db, await ensure_network(svc.db))
        flow = Flow(
            id="f" * 32,
            client_id=client.id,
            request_url="http://x/oauth2/auth?a=b",
            requested_at=now_utc(),
            requested_scope=["openid"],
            requested_audience=[],
            oidc_context={"login_hint": "bob"},
            state=fl.LOGIN_UNUSED,
            login_csrf="csrf",
        )
        await store.create(flow)
        used = dataclasses.replace(flow, state=fl.LOGIN_USED, subject="bob")
        wins = await asyncio.gather(*(store.advance(used, (fl.LOGIN_UNUSED,)) for _ in range(5)))
        assert sorted(wins) == [False, False, False, False, True]
        back = await store.get(flow.id)
        assert back is not None and back.state == fl.LOGIN_USED and back.subject == "bob"
        assert back.oidc_context == {"login_hint": "bob"} and back.login_error is None

        consented = dataclasses.replace(
            back,
            state=fl.CONSENT_USED,
            consent_challenge_id="c" * 32,
            consent_remember=True,
            granted_scope=["openid"],
        )
        assert await store.advance(consented, (fl.LOGIN_USED,))
        assert (await store.get_by_consent("c" * 32)) == consented
        found = await store.remembered_consents("bob", client.id, now_utc())
        assert [f.id for f in found] == [flow.id]
        expired = dataclasses.replace(consented, expires_at=now_utc() - timedelta(seconds=1))
        assert await store.advance(expired, (fl.CONSENT_USED,))
        assert await store.remembered_consents("bob", client.id, now_utc()) == []
    finally:
        await svc.close()


async def test_login_sessions_are_replaced_and_deleted(dsn: str) -> None:
    svc = await open_service(dsn)
    try:
        store = FlowStore(svc.db, await ensure_network(svc.db))
        session = LoginSession("s" * 32, "bob", now_utc(), True, now_utc() + timedelta(hours=1))
        await store.save_session(session)
        await store.save_session(dataclasses.replace(session, subject="bob2"))
        assert (await store.get_session(session.id)) == dataclasses.replace(session, subject="bob2")
        await store.delete_session(session.id)
        assert await store.get_session(session.id) is None
    finally:
        await svc.close()
