"""A real ``roost serve`` process on free ports, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    urls: dict[str, str]
    log: Path
    config: dict[str, Any]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_server(
    workdir: Path,
    config: dict[str, Any],
    *,
    service: str = "permissions",
    listeners: tuple[str, ...] = ("read", "write", "opl"),
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    ready_path: str = "/health/ready",
) -> Server:
    """Start ``roost serve SERVICE --config`` with every listener on a free loopback port."""
    workdir.mkdir(parents=True, exist_ok=True)
    serve = config.setdefault("serve", {})
    urls = {}
    for name in listeners:
        port = free_port()
        serve[name] = {**serve.get(name, {}), "host": "127.0.0.1", "port": port}
        urls[name] = f"http://127.0.0.1:{port}"
    cfg = workdir / f"{service}.yaml"
    cfg.write_text(yaml.safe_dump(config))
    log = workdir / f"{service}.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "roost",
            "serve",
            service,
            "--config",
            str(cfg),
            "--data-dir",
            str(workdir / "data"),
            *extra_args,
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=workdir,
        env={**os.environ, **(env or {})},
    )
    server = Server(proc, urls, log, config)
    deadline = time.monotonic() + 30
    first = urls[listeners[0]]
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"roost serve exited early:\n{log.read_text()}")
        try:
            if httpx.get(first + ready_path, timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"roost serve did not become ready:\n{log.read_text()}")
