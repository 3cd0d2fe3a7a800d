"""``roost identity courier watch``: a worker process of its own, stopped by SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from roost.identity.migrations import MIGRATIONS
from roost.storage.database import Database
from roost.storage.migrate import Migrator
from tests.identity.courier.smtp_server import SMTPServer
from tests.identity.courier.test_admin_api import SECRET, _queue
from tests.support.server import free_port


def test_watch_sends_queued_mail_and_stops_on_sigterm(dsn: str, tmp_path: Path) -> None:
    async def migrate() -> None:
        db = Database(dsn)
        try:
            await Migrator(db, "identity", MIGRATIONS).up()
        finally:
            await db.close()

    asyncio.run(migrate())
    port = free_port()
    smtp = SMTPServer(port).start()
    cfg = tmp_path / "kratos.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "dsn": dsn,
                "secrets": {"cookie": [SECRET]},
                "courier": {
                    "smtp": {"connection_uri": f"smtp://127.0.0.1:{port}/?disable_starttls=true"},
                    "worker": {"pull_wait": "100ms"},
                },
            }
        )
    )
    asyncio.run(_queue(dsn, ["ada@example.com"]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "roost", "identity", "courier", "watch", "-c", str(cfg)],
        cwd=tmp_path,
        env=os.environ.copy(),
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while not smtp.inbox.mails and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert [str(m["To"]) for m in smtp.inbox.mails] == ["ada@example.com"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        smtp.stop()
    assert proc.stderr is not None
    assert b"watching" in proc.stderr.read()
