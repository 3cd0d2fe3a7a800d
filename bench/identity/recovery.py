"""Benchmark a recovery-code round trip: flow, e-mail, mail delivered, code, session.

    python -m bench.identity.recovery [--backend postgres|sqlite] [--seconds 10] [--users 16]

Starts ``roost serve identity`` (recovery on, quickstart schema) and ``roost
identity courier watch`` (``pull_wait`` 50 ms) against an aiosmtpd server in
this process, then runs ``--users`` closed-loop clients (httpx), each
recovering its own identity over and over: ``GET /self-service/recovery/api``,
``POST`` the e-mail, wait for the mail and read the code from it, ``POST`` the
code (which issues a session and a settings flow). Prints round trips/s and
p50/p99 of the whole trip and of its server steps; the mail's wait is
mostly the courier's polling interval.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import httpx
import yaml
from aiosmtpd.controller import Controller

from bench.common.services import Roost, free_port, new_database, postgres_admin, table

SCHEMA = {
    "$id": "https://roost.bench/quickstart.schema.json",
    "type": "object",
    "properties": {
        "traits": {
            "type": "object",
            "properties": {
                "email": {
                    "type": "string",
                    "format": "email",
                    "ory.sh/kratos": {
                        "credentials": {"password": {"identifier": True}},
                        "recovery": {"via": "email"},
                        "verification": {"via": "email"},
                    },
                }
            },
        }
    },
}


class Inbox:
    """Codes by recipient, as the mails arrive."""

    def __init__(self) -> None:
        self.codes: dict[str, asyncio.Queue[str]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.original_content, policy=policy.default)
        body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        found = re.search(r"\b(\d{6})\b", body)
        if found and self.loop is not None:
            queue = self.codes[str(mail["To"])]
            self.loop.call_soon_threadsafe(queue.put_nowait, found.group(1))
        return "250 OK"


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


async def _drive(
    public: str, admin: str, inbox: Inbox, users: int, seconds: float
) -> dict[str, list[float]]:
    inbox.loop = asyncio.get_running_loop()
    times: dict[str, list[float]] = {"trip": [], "send": [], "mail": [], "code": []}
    failures: list[str] = []
    async with httpx.AsyncClient(timeout=60) as client:
        addresses = []
        for i in range(users):
            address = f"bench-recovery-{i}-{time.monotonic_ns()}@example.com"
            body = {"schema_id": "default", "traits": {"email": address}}
            (await client.post(f"{admin}/admin/identities", json=body)).raise_for_status()
            inbox.codes[address] = asyncio.Queue()
            addresses.append(address)
        deadline = time.monotonic() + seconds

        async def user(address: str) -> None:
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                r = await client.get(f"{public}/self-service/recovery/api")
                if r.status_code != 200:
                    failures.append(f"init {r.status_code} {r.text[:200]}")
                    continue
                url = f"{public}/self-service/recovery?flow={r.json()['id']}"
                r = await client.post(url, json={"method": "code", "email": address})
                if r.status_code != 200:
                    failures.append(f"email {r.status_code} {r.text[:200]}")
                    continue
                t1 = time.perf_counter()
                code = await asyncio.wait_for(inbox.codes[address].get(), 30)
                t2 = time.perf_counter()
                r = await client.post(url, json={"method": "code", "code": code})
                if r.status_code != 200 or "continue_with" not in r.json():
                    failures.append(f"code {r.status_code} {r.text[:200]}")
                    continue
                t3 = time.perf_counter()
                steps = (("trip", t3 - t0), ("send", t1 - t0), ("mail", t2 - t1), ("code", t3 - t2))
                for key, value in steps:
                    times[key].append(value * 1000)

        await asyncio.gather(*(user(a) for a in addresses))
    if failures:
        print(f"{len(failures)} failed round trips, e.g. {failures[0]}")
    times["failed"] = [float(len(failures))]
    return times


def bench(backend: str, args: argparse.Namespace, admin_dsn: str | None) -> list[list[Any]]:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-recovery-{backend}-"))
    dsn = (
        f"sqlite:///{workdir / 'identity.sqlite'}"
        if backend == "sqlite"
        else new_database(admin_dsn or "")
    )
    (workdir / "schema.json").write_text(json.dumps(SCHEMA))
    inbox = Inbox()
    smtp_port, public_port, admin_port = free_port(), free_port(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    config = {
        "dsn": dsn,
        "serve": {
            "public": {"host": "127.0.0.1", "port": public_port},
            "admin": {"host": "127.0.0.1", "port": admin_port},
        },
        "secrets": {"cookie": ["bench-recovery-secret-0023"]},
        "identity": {
            "default_schema_id": "default",
            "schemas": [{"id": "default", "url": f"file://{workdir / 'schema.json'}"}],
        },
        "selfservice": {"flows": {"recovery": {"enabled": True}}},
        "courier": {
            "smtp": {"connection_uri": f"smtp://127.0.0.1:{smtp_port}/?disable_starttls=true"},
            "worker": {"pull_wait": "50ms", "pull_count": 50},
        },
    }
    server = Roost(workdir, "identity", config, args.workers)
    public, admin = f"http://127.0.0.1:{public_port}", f"http://127.0.0.1:{admin_port}"
    watch = None
    try:
        server.wait_ready(public)
        (workdir / "watch.yaml").write_text(yaml.safe_dump(config))
        watch = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "roost",
                "identity",
                "courier",
                "watch",
                "-c",
                str(workdir / "watch.yaml"),
            ],
            cwd=workdir,
            stderr=subprocess.DEVNULL,
        )
        times = asyncio.run(_drive(public, admin, inbox, args.users, args.seconds))
    finally:
        if watch is not None:
            watch.terminate()
            watch.wait(15)
        server.stop()
        smtp.stop()
    failed = int(times.pop("failed")[0])
    rate = len(times["trip"]) / args.seconds
    print(f"{len(times['trip'])} round trips, {failed} failed")
    return [
        [
            backend,
            name,
            f"{rate:,.1f}" if name == "trip" else "",
            f"{_pct(v, 50):.1f}",
            f"{_pct(v, 99):.1f}",
        ]
        for name, v in times.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--postgres-dsn", help="admin DSN; default: a throwaway cluster")
    args = parser.parse_args()
    with postgres_admin([args.backend], args.postgres_dsn) as admin_dsn:
        rows = bench(args.backend, args, admin_dsn)
    print(
        f"\n{args.users} closed-loop clients, workers={args.workers}, {args.seconds}s, "
        "courier pull_wait 50 ms\n"
    )
    print(table(["backend", "step", "round trips/s", "p50 ms", "p99 ms"], rows))


if __name__ == "__main__":
    main()
