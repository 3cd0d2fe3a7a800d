"""``roost serve`` processes: exclusive ports, workers that share them, restarts, drain."""

from __future__ import annotations

import asyncio
import collections
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest

from tests.conftest import new_dsn
from tests.support.server import Server, start_server

CONFIG = {"namespaces": [{"name": "documents"}]}


def _serve(tmp_path: Path, workers: int = 2) -> Server:
    config = {**CONFIG, "dsn": new_dsn("sqlite", tmp_path)}
    return start_server(tmp_path, config, extra_args=("--workers", str(workers)))


def _children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(p) for p in text.split()}


def _wait(predicate: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_second_server_on_busy_ports_fails_naming_the_port(tmp_path: Path) -> None:
    first = _serve(tmp_path / "a")
    try:
        cfg = tmp_path / "a" / "permissions.yaml"
        read_port = first.urls["read"].rsplit(":", 1)[1]
        second = subprocess.run(
            [
                *(sys.executable, "-m", "roost", "serve", "permissions"),
                *("--config", str(cfg), "--data-dir", str(tmp_path / "b"), "--workers", "2"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert second.returncode != 0
        assert f"127.0.0.1:{read_port}" in second.stderr
        assert "address already in use" in second.stderr
        assert "Traceback" not in second.stderr
        # the first server still owns its ports: every connection reaches it
        for _ in range(20):
            assert httpx.get(first.urls["read"] + "/health/ready").status_code == 200
    finally:
        first.stop()


def test_a_killed_worker_is_replaced(tmp_path: Path) -> None:
    server = _serve(tmp_path)
    try:
        pid = server.proc.pid
        _wait(lambda: len(_children(pid)) == 2)
        before = _children(pid)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        _wait(lambda: len(_children(pid)) == 2 and victim not in _children(pid))
        assert server.proc.poll() is None
        assert "signal SIGKILL" in server.log.read_text()
        for _ in range(20):
            assert httpx.get(server.urls["read"] + "/health/ready").status_code == 200
    finally:
        server.stop()
    assert server.proc.returncode == 0


def _owners(port: str) -> collections.Counter[str]:
    out = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return collections.Counter(
        line.split("pid=")[1].split(",")[0] for line in out.splitlines() if "pid=" in line
    )


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2)")
def test_workers_share_a_burst_of_connections(tmp_path: Path) -> None:
    server = _serve(tmp_path)
    url = server.urls["read"]

    async def burst() -> collections.Counter[str]:
        clients = [httpx.AsyncClient() for _ in range(32)]
        try:
            await asyncio.gather(*(c.get(f"{url}/health/alive") for c in clients))
            return _owners(url.rsplit(":", 1)[1])
        finally:
            for c in clients:
                await c.aclose()

    try:
        owners = asyncio.run(burst())
    finally:
        server.stop()
    assert len(owners) == 2 and min(owners.values()) >= 6, owners


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_lets_the_request_in_flight_finish(tmp_path: Path, workers: int) -> None:
    server = _serve(tmp_path, workers)
    host, port = server.urls["write"].removeprefix("http://").split(":")
    body = orjson.dumps(
        {"namespace": "documents", "object": "d", "relation": "viewer", "subject_id": "u"}
    )
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        head = (
            f"PUT /admin/relation-tuples HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        conn.sendall(head.encode() + body[:10])
        time.sleep(0.3)  # the request is being read when the signal arrives
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert server.proc.poll() is None  # still draining
        with pytest.raises(httpx.ConnectError):  # no new connections meanwhile
            httpx.get(server.urls["write"] + "/health/alive", timeout=2)
        conn.sendall(body[10:])
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = conn.recv(4096)
            if not chunk:
                break
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 201"), reply
    assert server.proc.wait(15) == 0
