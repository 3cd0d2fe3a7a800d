"""Fault harness: replicas behind HAProxy under load; kill one, restart it, restart PostgreSQL.

Three services (OAuth2: client creation, client_credentials, introspection;
permissions: tuple writes and checks; identity: native registration, login
and whoami), each as ``--replicas`` separate
``roost serve`` processes on their own ports, all on one throwaway
PostgreSQL (SERIALIZABLE), behind one HAProxy (Debian's package) that
health-checks ``/health/ready``. Phases: steady, SIGKILL replica 0 of each
service, start it again, ``pg_ctl restart``, steady. Printed per phase:
requests sent, failed and throughput. Afterwards every write acknowledged to
a client must be readable; a failure outside a fault's seconds is reported.

    python -m bench.faults.run                 # manual form, 10 s per phase
    python -m bench.faults.run --phase 1.5     # the bounded form CI runs
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common.services import (
    Roost,
    free_port,
    new_database,
    restart_postgres,
    start_postgres,
    stop_postgres,
    table,
)
from bench.faults.load import Load, Tally, Urls

SECRET = "a-system-secret-of-at-least-32-characters"
PORTS = {
    "oauth2": ("public", "admin"),
    "permissions": ("read", "write", "opl"),
    "identity": ("public", "admin"),
}
LB_UNAVAILABLE = (
    '{"error":{"code":503,"status":"Service Unavailable","message":"no ready replica"}}'
)
GRACE = 3.0  # seconds after a fault in which failures still count as the fault's


@dataclass
class Service:
    """The replicas of one service and the HAProxy frontend port of each of its listeners."""

    name: str
    config: dict[str, Any]
    workdir: Path
    replicas: list[Roost | None] = field(default_factory=list)
    ports: list[dict[str, int]] = field(default_factory=list)
    front: dict[str, int] = field(default_factory=dict)

    def start(self, index: int) -> None:
        """Start replica ``index`` (on the ports it had, if it ran before) and wait for it."""
        if index == len(self.ports):
            self.ports.append({p: free_port() for p in PORTS[self.name]})
            self.replicas.append(None)
        ports = self.ports[index]
        serve = {p: {"host": "127.0.0.1", "port": n} for p, n in ports.items()}
        replica = Roost(
            self.workdir / str(index), self.name, {**self.config, "serve": serve}, workers=1
        )
        self.replicas[index] = replica
        replica.wait_ready(f"http://127.0.0.1:{next(iter(ports.values()))}")

    def kill(self, index: int) -> None:
        replica = self.replicas[index]
        assert replica is not None
        replica.proc.send_signal(signal.SIGKILL)
        replica.proc.wait()

    def url(self, listener: str) -> str:
        return f"http://127.0.0.1:{self.front[listener]}"

    def stop(self) -> None:
        for replica in self.replicas:
            if replica is not None and replica.proc.poll() is None:
                replica.stop()


def haproxy_config(services: list[Service]) -> str:
    """One frontend per listener, round robin over the replicas, health-checked on readiness.

    A request is resent to another replica only when the connection failed
    (nothing was sent): HAProxy's ``retry-on conn-failure``, so a write is
    never replayed.
    """
    lines = [
        "global",
        "  maxconn 4096",
        "defaults",
        "  mode http",
        "  timeout connect 1s",
        "  timeout client 30s",
        "  timeout server 30s",
        "  retries 3",
        "  retry-on conn-failure",
        "  option redispatch",
        "  option http-keep-alive",
        # No ready replica: HAProxy answers in Ory's error shape too.
        f"  http-error status 503 content-type application/json string '{LB_UNAVAILABLE}'",
    ]
    for svc in services:
        for listener, port in svc.front.items():
            name = f"{svc.name}_{listener}"
            lines += [f"frontend {name}", f"  bind 127.0.0.1:{port}", f"  default_backend {name}"]
            lines += [
                f"backend {name}",
                "  balance roundrobin",
                "  option httpchk GET /health/ready",
                "  http-check expect status 200",
                # two failed checks (1 s) to eject: a database blip that Roost
                # rides out by retrying must not eject every replica at once
                "  default-server inter 500ms fall 2 rise 1",
            ]
            lines += [
                f"  server r{i} 127.0.0.1:{ports[listener]} check"
                for i, ports in enumerate(svc.ports)
            ]
    return "\n".join(lines) + "\n"


def _services(workdir: Path, admin_dsn: str) -> list[Service]:
    fast = {"hashers": {"algorithm": "pbkdf2", "pbkdf2": {"iterations": 1000}}}
    oauth2 = {"dsn": new_database(admin_dsn), "secrets": {"system": [SECRET]}, "oauth2": fast}
    keto = {"dsn": new_database(admin_dsn), "namespaces": [{"name": "documents"}]}
    # bcrypt at its floor: the harness measures faults, not password hashing
    kratos = {"dsn": new_database(admin_dsn), "hashers": {"bcrypt": {"cost": 4}}}
    return [
        Service("oauth2", oauth2, workdir / "oauth2"),
        Service("permissions", keto, workdir / "permissions"),
        Service("identity", kratos, workdir / "identity"),
    ]


def _start(workdir: Path, services: list[Service], replicas: int) -> subprocess.Popen[bytes]:
    """Every replica (the first alone, so it migrates alone), then HAProxy, ready to serve."""
    for svc in services:
        for i in range(replicas):
            svc.start(i)
        svc.front = {p: free_port() for p in PORTS[svc.name]}
    cfg = workdir / "haproxy.cfg"
    cfg.write_text(haproxy_config(services))
    haproxy = subprocess.Popen(
        [shutil.which("haproxy") or "haproxy", "-db", "-f", str(cfg)],
        stdout=(workdir / "haproxy.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    for svc in services:
        for listener in svc.front:
            _wait_ready(svc.url(listener))
    return haproxy


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"{url} did not become ready through HAProxy")


async def _scenario(services: list[Service], cluster: str, phase: float, tally: Tally) -> None:
    """The load, and the faults one phase apart; each fault is marked in ``tally``."""
    oauth2, keto, kratos = services
    urls = Urls(
        oauth2.url("public"),
        oauth2.url("admin"),
        keto.url("read"),
        keto.url("write"),
        kratos.url("public"),
        kratos.url("admin"),
    )
    load = Load(urls)
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        clients = [asyncio.ensure_future(load.run(http, tally)) for _ in range(8)]

        def kill() -> None:
            for svc in services:
                svc.kill(0)

        def revive() -> None:
            for svc in services:
                svc.start(0)

        faults: list[tuple[str, Callable[[], object]]] = [
            ("kill replica 0", kill),
            ("restart replica 0", revive),
            ("restart PostgreSQL", lambda: restart_postgres(cluster)),
        ]
        tally.mark("steady")
        for name, fault in faults:
            await asyncio.sleep(phase)
            began = tally.mark(name)
            await asyncio.to_thread(fault)
            tally.windows.append((began, tally.mark(f"after: {name}")))
        await asyncio.sleep(phase)
        tally.mark("end")
        for c in clients:
            c.cancel()
        await asyncio.gather(*clients, return_exceptions=True)


def _verify(services: list[Service], tally: Tally) -> list[str]:
    """Acknowledged writes that are not there afterwards (read from replica 1, not the LB)."""
    oauth2, keto, kratos = services
    admin = f"http://127.0.0.1:{oauth2.ports[1]['admin']}"
    read = f"http://127.0.0.1:{keto.ports[1]['read']}"
    kratos_admin = f"http://127.0.0.1:{kratos.ports[1]['admin']}"
    lost = []
    with httpx.Client(timeout=10) as http:
        for client_id in tally.clients:
            if http.get(f"{admin}/admin/clients/{client_id}").status_code != 200:
                lost.append(f"client {client_id}")
        for obj in tally.tuples:
            query = {"namespace": "documents", "object": obj}
            found = http.get(f"{read}/relation-tuples", params=query).json()["relation_tuples"]
            if len(found) != 1:
                lost.append(f"tuple {obj}")
        for identity in tally.identities:
            if http.get(f"{kratos_admin}/admin/identities/{identity}").status_code != 200:
                lost.append(f"identity {identity}")
    return lost


def run(phase: float, replicas: int, keep: bool = False) -> dict[str, object]:
    """Run the whole scenario on a fresh cluster; the report as a dict (also printed)."""
    admin, cluster = start_postgres()
    workdir = Path(tempfile.mkdtemp(prefix="roost-faults."))
    services = _services(workdir, admin)
    haproxy = None
    tally = Tally()
    try:
        haproxy = _start(workdir, services, replicas)
        asyncio.run(_scenario(services, cluster, phase, tally))
        lost = _verify(services, tally)
    finally:
        if haproxy is not None:
            haproxy.terminate()
            haproxy.wait()
        for svc in services:
            svc.stop()
        stop_postgres(cluster)
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report = tally.report(GRACE)
    report["lost"] = lost
    report["acknowledged_writes"] = len(tally.clients) + len(tally.tuples) + len(tally.identities)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", type=float, default=10.0, help="seconds between faults")
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the logs' folder")
    args = parser.parse_args()
    report = run(args.phase, args.replicas, args.keep)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        rows = report["phases"]
        assert isinstance(rows, list)
        print(table(["phase", "seconds", "sent", "failed", "req/s", "failures"], rows))
        print(f"acknowledged writes: {report['acknowledged_writes']}, lost: {report['lost']}")
        print(f"failures outside a fault's {GRACE:.0f} s: {report['stray']}")
    sys.exit(1 if report["lost"] or report["stray"] else 0)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
