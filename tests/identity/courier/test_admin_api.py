"""``roost serve --watch-courier`` delivers queued mail, and the admin API lists it (Ory's SDK)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ory_kratos_client import ApiClient, Configuration
from ory_kratos_client.api.courier_api import CourierApi
from ory_kratos_client.exceptions import ApiException

from roost.identity.config import IdentityConfig
from roost.identity.courier.queue import Courier
from roost.identity.courier.smtp import SMTPConfig, SMTPSender
from roost.identity.courier.templates import load_templates
from roost.identity.service import _fernet
from roost.identity.sql.courier import CourierStore
from roost.identity.sql.identities import ensure_network
from roost.storage.database import Database
from tests.conftest import new_dsn, postgres_admin_dsn
from tests.identity.conftest import FAST
from tests.identity.courier.smtp_server import SMTPServer
from tests.support.server import Server, free_port, start_server

SECRET = "a-cookie-secret-of-32-characters"


@pytest.fixture(params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, SMTPServer]]:
    if request.param == "postgres":
        postgres_admin_dsn()
    port = free_port()
    smtp = SMTPServer(port).start()
    config = {
        "dsn": new_dsn(request.param, tmp_path),
        **FAST,
        "secrets": {"cookie": [SECRET]},
        "courier": {
            "smtp": {
                "connection_uri": f"smtp://127.0.0.1:{port}/?disable_starttls=true",
                "from_address": "accounts@roost.test",
            },
            "worker": {"pull_wait": "100ms"},
        },
    }
    server = start_server(
        tmp_path,
        config,
        service="identity",
        listeners=("public", "admin"),
        extra_args=("--watch-courier",),
    )
    yield server, smtp
    server.stop()
    smtp.stop()


async def _queue(dsn: str, recipients: list[str]) -> None:
    """Queue as a flow in the server would: a row written with the server's secrets."""
    cfg = IdentityConfig.from_values({"secrets": {"cookie": [SECRET]}}, generated_secret="")
    db = Database(dsn)
    try:
        store = CourierStore(
            db, await ensure_network(db), _fernet(cfg.cookie_secrets, "kratos-courier-message")
        )
        templates = await load_templates({}, None, lambda url: asyncio.sleep(0, b""))
        courier = Courier(store, templates, SMTPSender(SMTPConfig.from_values({})))
        for to in recipients:
            model = {
                "VerificationCode": "271828",
                "VerificationURL": "http://x/v",
                "ExpiresInMinutes": 60,
            }
            await courier.queue_email("verification_code_valid", to, model)
    finally:
        await db.close()


def test_serve_watch_courier_sends_and_the_admin_api_lists(
    served: tuple[Server, SMTPServer],
) -> None:
    server, smtp = served
    recipients = [f"u{i}@example.com" for i in range(3)]
    asyncio.run(_queue(server.config["dsn"], recipients))
    deadline = time.monotonic() + 20
    while len(smtp.inbox.mails) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sorted(str(m["To"]) for m in smtp.inbox.mails) == recipients
    assert smtp.inbox.mails[0]["Subject"] == "Use code 271828 to verify your account"

    api = CourierApi(ApiClient(Configuration(host=server.urls["admin"])))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        sent = api.list_courier_messages(status="sent")
        if len(sent) == 3:
            break
        time.sleep(0.1)
    assert sorted(m.recipient for m in sent) == recipients
    assert {m.template_type for m in sent} == {"verification_code_valid"}
    assert all(m.type == "email" and m.send_count == 1 for m in sent)

    first = api.list_courier_messages_with_http_info(page_size=2)
    links = {k.lower(): v for k, v in (first.headers or {}).items()}["link"]
    assert len(first.data) == 2
    [nxt] = [part for part in links.split(",") if part.endswith('rel="next"')]
    token = nxt.split("page_token=")[1].split(">")[0]
    rest = api.list_courier_messages(page_size=2, page_token=token)
    assert {m.id for m in first.data} | {m.id for m in rest} == {m.id for m in sent}
    assert api.list_courier_messages(recipient="u1@example.com")[0].recipient == "u1@example.com"
    assert api.list_courier_messages(status="queued") == []

    one = api.get_courier_message(sent[0].id)
    assert one.id == sent[0].id and "271828" in one.body
    assert [d.status for d in one.dispatches or []] == ["success"]

    with pytest.raises(ApiException) as missing:
        api.get_courier_message("00000000-0000-0000-0000-000000000001")
    assert missing.value.status == 404
    with pytest.raises(ApiException) as bad:
        api.get_courier_message("not-a-uuid")
    assert bad.value.status == 400
