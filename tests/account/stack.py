"""The whole sign-in system as one real ``roost serve`` process: identity, OAuth2 and the
account UI from one ``roost.yaml`` on free ports, wired by ``roost.cli.wiring`` exactly as
``roost serve`` without a config wires them, plus a real SMTP server for the courier."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from roost.cli.wiring import SignInUrls, merged, sign_in_blocks
from tests.identity.courier.smtp_server import SMTPServer
from tests.identity.http.conftest import QUICKSTART_SCHEMA
from tests.oauth2.conftest import FAST_HASH, SYSTEM_SECRET
from tests.support.server import free_port

PASSWORD = "Sign-in-with-Roost-0030!"


@dataclass
class Stack:
    proc: subprocess.Popen[bytes]
    urls: SignInUrls
    smtp: SMTPServer
    log: Path
    identity_admin: str

    def mail_code(self, address: str, count: int, timeout: float = 20) -> str:
        """The six-digit code of the ``count``-th mail to ``address`` (waits for the courier)."""
        import re

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.smtp.inbox.mails if str(m["To"]) == address]
            if len(found) >= count:
                body = found[count - 1].get_body(("plain", "html"))
                match = re.search(r"\b(\d{6})\b", body.get_content())
                assert match, body.get_content()
                return match.group(1)
            time.sleep(0.05)
        raise AssertionError(f"no mail #{count} for {address}")

    def create_client(self, **body: Any) -> dict[str, Any]:
        r = httpx.post(f"{self.urls.oauth2_admin}/admin/clients", json=body)
        assert r.status_code == 201, r.text
        data: dict[str, Any] = r.json()
        return data

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.smtp.stop()


def _ports() -> dict[str, int]:
    return {k: free_port() for k in ("account", "id_public", "id_admin", "o_public", "o_admin")}


def config(
    tmp: Path,
    dsns: dict[str, str],
    smtp_port: int,
    p: dict[str, int],
    account_extra: dict[str, Any] | None = None,
    identity_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The stack's ``roost.yaml``: the wiring plus what a test needs (mail, fast hashes),
    ``identity_extra`` merged over the identity block."""
    urls = _urls(p)
    blocks = sign_in_blocks(urls)
    schema = tmp / "quickstart.schema.json"
    schema.write_text(json.dumps(QUICKSTART_SCHEMA))
    loop = "127.0.0.1"
    identity = merged(
        blocks["identity"],
        {
            "dsn": dsns["identity"],
            "serve": {
                "public": {"host": loop, "port": p["id_public"]},
                "admin": {"host": loop, "port": p["id_admin"]},
            },
            "hashers": {"bcrypt": {"cost": 4}},
            "secrets": {"cookie": ["sign-in-with-roost-cookie-secret"]},
            "identity": {
                "default_schema_id": "default",
                "schemas": [{"id": "default", "url": f"file://{schema}"}],
            },
            "courier": {
                "smtp": {"connection_uri": f"smtp://127.0.0.1:{smtp_port}/?disable_starttls=true"},
                "worker": {"pull_wait": "50ms"},
            },
            "selfservice": {
                "flows": {
                    "recovery": {"enabled": True, "use": "code"},
                    "verification": {"enabled": True, "use": "code"},
                    "registration": {
                        "after": {
                            "password": {
                                "hooks": [{"hook": "session"}, {"hook": "show_verification_ui"}]
                            }
                        }
                    },
                    "settings": {"privileged_session_max_age": "15m"},
                },
                "methods": {"code": {"enabled": True, "passwordless_enabled": True}},
            },
        },
    )
    identity = merged(identity, identity_extra or {})
    oauth2 = merged(
        blocks["oauth2"],
        {
            "dsn": dsns["oauth2"],
            "serve": {
                "public": {"host": loop, "port": p["o_public"]},
                "admin": {"host": loop, "port": p["o_admin"]},
            },
            "urls": {"self": {"issuer": urls.oauth2_public, "public": urls.oauth2_public}},
            "secrets": {"system": [SYSTEM_SECRET]},
            "oauth2": dict(FAST_HASH),
        },
    )
    account = merged(
        blocks["account"], {"serve": {"host": loop, "port": p["account"]}, **(account_extra or {})}
    )
    return {"identity": identity, "oauth2": oauth2, "account": account}


def _urls(p: dict[str, int]) -> SignInUrls:
    return SignInUrls(
        account=f"http://localhost:{p['account']}",
        identity_public=f"http://localhost:{p['id_public']}",
        oauth2_public=f"http://localhost:{p['o_public']}",
        oauth2_admin=f"http://localhost:{p['o_admin']}",
    )


def start_stack(
    tmp: Path,
    dsns: dict[str, str],
    account_extra: dict[str, Any] | None = None,
    identity_extra: dict[str, Any] | None = None,
) -> Stack:
    tmp.mkdir(parents=True, exist_ok=True)
    smtp = SMTPServer(free_port()).start()
    p = _ports()
    cfg = tmp / "roost.yaml"
    cfg.write_text(yaml.safe_dump(config(tmp, dsns, smtp.port, p, account_extra, identity_extra)))
    log = tmp / "roost.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "roost",
            "serve",
            "--config",
            str(cfg),
            "--data-dir",
            str(tmp / "data"),
            "--watch-courier",
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=tmp,
        env=dict(os.environ),
    )
    stack = Stack(proc, _urls(p), smtp, log, f"http://127.0.0.1:{p['id_admin']}")
    deadline = time.monotonic() + 60
    ready = [
        f"{stack.urls.account}/health/ready",
        f"{stack.urls.identity_public}/health/ready",
        f"{stack.urls.oauth2_admin}/health/ready",
    ]
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            smtp.stop()
            raise RuntimeError(f"roost serve exited early:\n{log.read_text()}")
        try:
            if all(httpx.get(u, timeout=1).status_code == 200 for u in ready):
                return stack
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stack.stop()
    raise RuntimeError(f"roost serve did not become ready:\n{log.read_text()}")
