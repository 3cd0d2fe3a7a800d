"""``roost serve`` with no config is a working "Sign in with Roost" (``scripts/dev.sh``).

The real command on Ory's default ports (skipped when any is taken): the demo
client is created once (a second run leaves it), and its printed URL signs a
user in through the account pages and consent to the demo landing page.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from bench.login.user import query, sign_in

from roost.cli.demo import CLIENT_ID, ensure_client, sign_in_url
from roost.cli.wiring import SignInUrls

PORTS = (4433, 4434, 4444, 4445, 4455, 4466, 4467, 4469)


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def test_dev_defaults_sign_in_with_the_demo_client(tmp_path: Path) -> None:
    if not all(_free(p) for p in PORTS):
        pytest.skip("Ory's default ports are in use on this machine")
    proc = subprocess.Popen(
        [sys.executable, "-m", "roost", "serve"],
        cwd=tmp_path,
        stdout=(tmp_path / "serve.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        demo = subprocess.run(
            [sys.executable, "-m", "roost.cli.demo"], capture_output=True, text=True, timeout=90
        )
        assert demo.returncode == 0, demo.stderr + (tmp_path / "serve.log").read_text()
        line = next(x for x in demo.stderr.splitlines() if x.startswith("Sign in with Roost: "))
        url = line.removeprefix("Sign in with Roost: ")
        urls = SignInUrls()
        ensure_client(urls)  # idempotent: the client exists, nothing changes
        clients = httpx.get(f"{urls.oauth2_admin}/admin/clients").json()
        assert [c["client_id"] for c in clients].count(CLIENT_ID) == 1
        assert url.split("&state=")[0] == sign_in_url(urls).split("&state=")[0]
        address, password = f"dev-{uuid.uuid4().hex[:8]}@example.com", "Dev-defaults-0030!"
        r = httpx.post(
            "http://localhost:4434/admin/identities",
            json={
                "schema_id": "default",
                "traits": {"email": address},
                "credentials": {"password": {"config": {"password": password}}},
            },
        )
        assert r.status_code == 201, r.text
        done = asyncio.run(_sign_in(url, address, password))
        assert done.url.path == "/callback" and "code" in query(done.url), done.url
        assert str(done.url).startswith("http://localhost:4455/")
    finally:
        proc.terminate()
        proc.wait(15)


async def _sign_in(url: str, address: str, password: str) -> httpx.Response:
    async with httpx.AsyncClient(follow_redirects=True, timeout=20) as b:
        return await sign_in(b, url, address, password)
