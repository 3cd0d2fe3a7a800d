"""The courier end to end over real sockets: queue in SQL, a real SMTP server (aiosmtpd).

Run on SQLite and PostgreSQL (SERIALIZABLE): delivery, STARTTLS and implicit
TLS as ``connection_uri`` asks, an SMTP outage retried without loss, giving
up after ``message_retries``, and several workers never sending one message
twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import select

from roost.identity.courier.message import Status
from roost.identity.courier.queue import Courier
from roost.identity.courier.smtp import SMTPConfig, SMTPSender
from roost.identity.courier.templates import Templates, load_templates
from roost.identity.migrations import MIGRATIONS
from roost.identity.sql.courier import CourierStore
from roost.identity.sql.identities import ensure_network
from roost.identity.sql.tables import courier_messages
from roost.storage.database import Database
from roost.storage.migrate import Migrator
from tests.conftest import head_dsn
from tests.identity.courier.smtp_server import SMTPServer, self_signed, server_context
from tests.support.server import free_port

KEY = MultiFernet([Fernet(Fernet.generate_key())])
CODE = "493817"
MODEL = {"RecoveryCode": CODE, "ExpiresInMinutes": 15}


async def _no_fetch(url: str) -> bytes:
    raise AssertionError(url)


@pytest.fixture
async def templates() -> Templates:
    return await load_templates({}, None, _no_fetch)


@pytest.fixture
def at_head(backend: str, tmp_path: Path) -> str:
    """A new database already at the identity schema's head (``tests/support/migrated.py``)."""
    return head_dsn(backend, tmp_path, "identity", MIGRATIONS)


@pytest.fixture
async def db(at_head: str) -> AsyncIterator[Database]:
    database = Database(at_head)
    await Migrator(database, "identity", MIGRATIONS).up()
    yield database
    await database.close()


def courier(db: Database, nid: Any, templates: Templates, uri: str, **kw: Any) -> Courier:
    smtp = SMTPConfig.from_values(
        {"connection_uri": uri, "from_address": "accounts@roost.test", "from_name": "Roost"}
    )
    kw.setdefault("backoff", lambda n: timedelta(0))
    return Courier(CourierStore(db, nid, KEY), templates, SMTPSender(smtp), **kw)


async def test_a_queued_message_is_delivered_and_stored_sealed(
    db: Database, templates: Templates
) -> None:
    port = free_port()
    server = SMTPServer(port).start()
    try:
        c = courier(
            db,
            await ensure_network(db),
            templates,
            f"smtp://127.0.0.1:{port}/?disable_starttls=true",
        )
        queued = await c.queue_email("recovery_code_valid", "ada@example.com", MODEL)
        assert await c.dispatch_queue() == 1
    finally:
        server.stop()
    [mail] = server.inbox.mails
    assert mail["To"] == "ada@example.com"
    assert mail["From"] == "Roost <accounts@roost.test>"
    assert mail["Subject"] == "Recover access to your account"
    plain = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert plain is not None and CODE in plain.get_content()
    assert html is not None and CODE in html.get_content()
    assert "15 minutes" in plain.get_content()

    found = await c.store.get(queued.id)
    assert found is not None and found.status is Status.SENT and found.send_count == 1
    assert [d.status for d in found.dispatches or []] == ["success"]
    assert CODE in found.body

    async def raw(conn: Any) -> Any:
        return (await conn.execute(select(courier_messages))).one()

    row = await db.read(raw)
    assert CODE not in f"{row.body}{row.subject}{row.template_data}"
    assert row.recipient == "ada@example.com"


async def test_smtp_down_is_retried_and_nothing_is_lost(db: Database, templates: Templates) -> None:
    port = free_port()
    c = courier(
        db,
        await ensure_network(db),
        templates,
        f"smtp://127.0.0.1:{port}/?disable_starttls=true",
        retries=5,
    )
    sent = [
        await c.queue_email("recovery_code_valid", f"u{i}@example.com", MODEL) for i in range(3)
    ]
    assert await c.dispatch_queue() == 3  # nobody listens: every attempt fails
    assert await c.dispatch_queue() == 3
    for m in sent:
        found = await c.store.get(m.id)
        assert found is not None and found.status is Status.QUEUED and found.send_count == 2
        assert [d.status for d in found.dispatches or []] == ["failed", "failed"]
        assert "Connection refused" in str((found.dispatches or [])[0].error)
    server = SMTPServer(port).start()
    try:
        assert await c.dispatch_queue() == 3
        assert await c.dispatch_queue() == 0
    finally:
        server.stop()
    assert sorted(str(m["To"]) for m in server.inbox.mails) == [
        "u0@example.com",
        "u1@example.com",
        "u2@example.com",
    ]
    for m in sent:
        found = await c.store.get(m.id)
        assert found is not None and found.status is Status.SENT and found.send_count == 3


async def test_backoff_holds_a_failed_message_back(db: Database, templates: Templates) -> None:
    port = free_port()
    c = courier(
        db,
        await ensure_network(db),
        templates,
        f"smtp://127.0.0.1:{port}/?disable_starttls=true",
        backoff=lambda n: timedelta(hours=n),
    )
    await c.queue_email("recovery_code_valid", "ada@example.com", MODEL)
    assert await c.dispatch_queue() == 1
    assert await c.dispatch_queue() == 0  # not due for an hour


async def test_abandoned_after_message_retries(db: Database, templates: Templates) -> None:
    port = free_port()
    c = courier(
        db,
        await ensure_network(db),
        templates,
        f"smtp://127.0.0.1:{port}/?disable_starttls=true",
        retries=2,
    )
    m = await c.queue_email("recovery_code_valid", "ada@example.com", MODEL)
    for _ in range(3):  # Kratos's rule: one attempt plus `message_retries` retries
        assert await c.dispatch_queue() == 1
    assert await c.dispatch_queue() == 0
    found = await c.store.get(m.id)
    assert found is not None and found.status is Status.ABANDONED and found.send_count == 3
    page = await c.store.list(Status.ABANDONED, None, None, 10)
    assert [x.id for x in page.messages] == [m.id]


async def test_several_workers_never_send_a_message_twice(
    at_head: str, db: Database, templates: Templates
) -> None:
    port = free_port()
    server = SMTPServer(port).start()
    uri = f"smtp://127.0.0.1:{port}/?disable_starttls=true"
    nid = await ensure_network(db)
    queue = courier(db, nid, templates, uri)
    for i in range(24):
        await queue.queue_email("recovery_code_valid", f"u{i}@example.com", MODEL)
    # Three workers, each with its own connection pool, as three replicas would be.
    dbs = [Database(at_head) for _ in range(3)]
    workers = [courier(d, nid, templates, uri, pull_count=5) for d in dbs]

    async def drain(w: Courier) -> int:
        total = 0
        while handled := await w.dispatch_queue():
            total += handled
        return total

    try:
        counts = await asyncio.gather(*(drain(w) for w in workers))
    finally:
        server.stop()
        for d in dbs:
            await d.close()
    recipients = [str(m["To"]) for m in server.inbox.mails]
    assert sum(counts) == 24
    assert sorted(recipients) == sorted(f"u{i}@example.com" for i in range(24))
    page = await queue.store.list(Status.SENT, None, None, 100)
    assert len(page.messages) == 24


async def test_starttls_and_certificate_checks(
    db: Database, templates: Templates, tmp_path: Path
) -> None:
    cert, key = self_signed(tmp_path)
    port = free_port()
    server = SMTPServer(port, tls_context=server_context(cert, key), require_starttls=True).start()
    nid = await ensure_network(db)
    try:
        # smtp:// means STARTTLS, and the self-signed certificate is refused by default.
        strict = courier(db, nid, templates, f"smtp://127.0.0.1:{port}/", retries=0)
        refused = await strict.queue_email("recovery_code_valid", "no@example.com", MODEL)
        await strict.dispatch_queue()
        found = await strict.store.get(refused.id)
        assert found is not None and found.status is Status.ABANDONED
        assert "CERTIFICATE_VERIFY_FAILED" in str((found.dispatches or [])[0].error)
        loose = courier(db, nid, templates, f"smtp://127.0.0.1:{port}/?skip_ssl_verify=true")
        await loose.queue_email("recovery_code_valid", "yes@example.com", MODEL)
        assert await loose.dispatch_queue() == 1
    finally:
        server.stop()
    assert [str(m["To"]) for m in server.inbox.mails] == ["yes@example.com"]
    assert server.inbox.envelopes[0].mail_from == "accounts@roost.test"


async def test_cleartext_server_is_refused_unless_starttls_is_disabled(
    db: Database, templates: Templates
) -> None:
    port = free_port()
    server = SMTPServer(port).start()  # offers no STARTTLS
    try:
        c = courier(db, await ensure_network(db), templates, f"smtp://127.0.0.1:{port}/", retries=0)
        m = await c.queue_email("recovery_code_valid", "ada@example.com", MODEL)
        await c.dispatch_queue()
    finally:
        server.stop()
    found = await c.store.get(m.id)
    assert found is not None and found.status is Status.ABANDONED
    assert "STARTTLS" in str((found.dispatches or [])[0].error)
    assert server.inbox.mails == []


async def test_implicit_tls(db: Database, templates: Templates, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path, "mail.roost.test")
    port = free_port()
    server = SMTPServer(port, ssl_context=server_context(cert, key)).start()
    try:
        uri = f"smtps://127.0.0.1:{port}/?skip_ssl_verify=true"
        c = courier(db, await ensure_network(db), templates, uri)
        await c.queue_email("recovery_code_valid", "ada@example.com", MODEL)
        assert await c.dispatch_queue() == 1
    finally:
        server.stop()
    assert [str(m["To"]) for m in server.inbox.mails] == ["ada@example.com"]
