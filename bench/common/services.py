"""Start a throwaway PostgreSQL and ``roost serve`` for benchmarks."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[2]


def start_postgres() -> tuple[str, str]:
    """(admin DSN, cluster dir) of a fresh throwaway cluster (scripts/pg-throwaway.sh)."""
    out = subprocess.run(
        [str(ROOT / "scripts/pg-throwaway.sh"), "start"], capture_output=True, text=True, check=True
    ).stdout
    env = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines())
    return env["ROOST_TEST_POSTGRES_DSN"], env["ROOST_PG_DIR"]


def stop_postgres(cluster: str) -> None:
    subprocess.run([str(ROOT / "scripts/pg-throwaway.sh"), "stop", cluster], check=False)


@contextlib.contextmanager
def postgres_admin(backends: list[str], given: str | None) -> Iterator[str | None]:
    """The admin DSN to benchmark with: ``given``, else a throwaway cluster while
    PostgreSQL is among ``backends`` (stopped afterwards), else None."""
    if given is not None or "postgres" not in backends:
        yield given
        return
    admin, cluster = start_postgres()
    try:
        yield admin
    finally:
        stop_postgres(cluster)


def new_database(admin_dsn: str) -> str:
    import asyncio

    import asyncpg

    name = f"bench_{uuid.uuid4().hex[:8]}"

    async def run() -> None:
        conn = await asyncpg.connect(
            admin_dsn.replace("postgres://", "postgresql://").split("?")[0]
        )
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(run())
    base = admin_dsn.split("?")[0].rsplit("/", 1)[0]
    return f"{base}/{name}?sslmode=disable"


class Roost:
    """``roost serve [SERVICE] --config`` in the background (no service: all of them)."""

    def __init__(
        self, workdir: Path, service: str | None, config: dict[str, Any], workers: int
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        name = service or "roost"
        cfg = workdir / f"{name}.yaml"
        cfg.write_text(yaml.safe_dump(config))
        self.log = (workdir / f"{name}.log").open("wb")
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "roost", "serve", *([service] if service else [])),
                *("--config", str(cfg), "--data-dir", str(workdir / "data")),
                *("--workers", str(workers)),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=dict(os.environ),
        )

    def wait_ready(self, *urls: str, timeout: float = 60) -> None:
        """Until every URL's ``/health/ready`` answers 200 (exits if roost stops)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"roost exited early, see {self.log.name}")
            try:
                if all(httpx.get(u + "/health/ready", timeout=1).status_code == 200 for u in urls):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit("roost did not become ready")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table (pastes straight into the README)."""
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def fmt(r: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(cells[0]), sep, *(fmt(r) for r in cells[1:])])


class OryBinary:
    """A reference Ory server (built outside this repository) on loopback ports."""

    def __init__(
        self, binary: str, workdir: Path, config: dict[str, Any], serve: list[str]
    ) -> None:
        # Ory's servers watch the config file's folder: keep their log out of it,
        # or each logged file event triggers another (seen with Keto v25.4.0).
        confdir = workdir / "config"
        confdir.mkdir(parents=True, exist_ok=True)
        cfg = confdir / "ory.yaml"
        cfg.write_text(yaml.safe_dump({**config, "log": {"level": "warn"}}))
        env = {**os.environ, "SQA_OPT_OUT": "true"}
        subprocess.run(
            [binary, "migrate", "up", "-y", "-c", str(cfg)],
            check=True,
            env=env,
            capture_output=True,
            cwd=workdir,
        )
        self.log = (workdir / "ory.log").open("wb")
        self.proc = subprocess.Popen(
            [binary, *serve, "-c", str(cfg)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=env,
        )

    wait_ready = Roost.wait_ready
    stop = Roost.stop


def restart_postgres(cluster: str, mode: str = "fast") -> float:
    """Restart a throwaway cluster with pg_ctl (every session dies); seconds it took."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    cmd = [str(bins[-1]), "-D", f"{cluster}/data", "-l", f"{cluster}/log", "-m", mode, "-w"]
    if os.getuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    began = time.monotonic()
    subprocess.run([*cmd, "restart"], check=True, capture_output=True)
    return time.monotonic() - began
