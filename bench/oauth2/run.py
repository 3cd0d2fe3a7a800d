"""Benchmark the OAuth2 service against Ory Hydra: req/s, p50, p99 per operation.

    python -m bench.oauth2.run [--seconds 10] [--rounds 1] [--workers 2]
                               [--iterations 25000] [--hydra /work/hydra-ref/hydra]
                               [--backends sqlite,postgres] [--ops client_credentials,...]
                               [--concurrency 16] [--verified-secret-ttls 10m,0s]

Operations (wrk, 32 connections): client_credentials token issuance (secret
verification dominates: PBKDF2-SHA256 at ``--iterations``, the same cost for
both servers), introspection of one valid token, get client, list clients
(page of 25), and ``code flow``: complete authorization-code flows (authorize,
login accept, consent accept, token exchange, userinfo; ``code_flow.py``) by
``--concurrency`` concurrent browsers, reported as flows/s and the p50/p99 of
a whole flow. Roost runs on SQLite and PostgreSQL; Hydra (the reference
v2.3.0 binary, built without SQLite) runs on its own database of the same
PostgreSQL server, on 127.0.0.1 only, with telemetry off, at READ COMMITTED
(``default_transaction_isolation`` in its DSN: Hydra retries serialization
failures only on CockroachDB, so at the throwaway cluster's SERIALIZABLE
default concurrent flows get 500s from it) and with a pool of 32 connections;
Roost runs at SERIALIZABLE with its default pools; with several
``--verified-secret-ttls`` one Roost per value runs beside the others (``0s``:
every token request pays the full PBKDF2, as Hydra's do). Prints
Markdown tables for the README.

Besides req/s and latency, each operation reports the CPU time it cost per
request: the server's processes (every thread) and, when the benchmark started
its own PostgreSQL cluster (no ``ROOST_TEST_POSTGRES_DSN``), the whole cluster,
read from ``/proc`` before and after the wrk run (also for a given
``ROOST_TEST_POSTGRES_DSN`` whose server runs on this machine). On a machine shared with
other work, req/s follows the CPU share the scheduler grants; CPU per request
does not, so compare servers on it.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import wrk as wrk_report
from bench.common.cpu import local_postmaster, postmaster_pid, tree_cpu
from bench.common.services import (
    Roost,
    free_port,
    new_database,
    start_postgres,
    stop_postgres,
    table,
)
from bench.oauth2 import code_flow

SECRET = "bench-system-secret-of-32-characters!"
CONNECTIONS = 32
# Hydra's usual PostgreSQL: READ COMMITTED, and a pool larger than pop's default (2 x CPUs),
# with which 16 concurrent flows stall on a cold start until clients time out.
HYDRA_DSN_OPTIONS = "default_transaction_isolation=read%20committed&max_conns=32&max_idle_conns=16"
UI_LOGIN, UI_CONSENT = "http://127.0.0.1:9/login", "http://127.0.0.1:9/consent"  # never visited
LOAD = ""

_LUA = """
local method, path, body = "%(method)s", "%(path)s", "%(body)s"
local headers = {}
%(headers)s
request = function() return wrk.format(method, path, headers, body ~= "" and body or nil) end
"""


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    bad: int
    server_cpu_ms: float = 0.0  # CPU time per request, server processes
    db_cpu_ms: float | None = None  # CPU time per request, PostgreSQL cluster (when ours)
    client_cpu_ms: float | None = None  # CPU time per flow of the load generator (code flow)


def wrk(
    url: str,
    method: str,
    headers: dict[str, str],
    body: str,
    seconds: int,
    cpu: Callable[[], tuple[float, float | None]] | None = None,
) -> Result:
    """One fixed request, repeated by wrk at 32 connections on one thread."""
    lines = "\n".join(f'headers["{k}"] = "{v}"' for k, v in headers.items())
    parsed = httpx.URL(url)
    path = parsed.raw_path.decode()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "req.lua"
        script.write_text(_LUA % {"method": method, "path": path, "body": body, "headers": lines})
        base = f"{parsed.scheme}://{parsed.host}:{parsed.port}"
        cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script)]
        before = cpu() if cpu else (0.0, None)
        out = subprocess.run([*cmd, base], capture_output=True, text=True, check=True).stdout
        after = cpu() if cpu else (0.0, None)
    report = wrk_report.parse(out)
    done = max(1.0, report.rps * seconds)
    server_ms = 1000 * (after[0] - before[0]) / done
    db_ms = None
    if after[1] is not None and before[1] is not None:
        db_ms = 1000 * (after[1] - before[1]) / done
    bad = report.non_2xx + report.errors
    return Result(report.rps, report.p50_ms, report.p99_ms, bad, server_ms, db_ms)


@dataclass
class Target:
    name: str
    public: str
    admin: str
    stop: Any
    pid: int = 0  # the server's root process, for CPU accounting
    postmaster: int | None = field(default=None)

    def cpu(self) -> tuple[float, float | None]:
        db = tree_cpu(self.postmaster) if self.postmaster else None
        return tree_cpu(self.pid), db


def start_roost(
    workdir: Path, dsn: str, workers: int, iterations: int, verified_ttl: str
) -> Target:
    public, admin = free_port(), free_port()
    config = {
        "dsn": dsn,
        "serve": {"public": {"host": "127.0.0.1", "port": public},
                  "admin": {"host": "127.0.0.1", "port": admin}},
        "secrets": {"system": [SECRET]},
        "urls": {"login": UI_LOGIN, "consent": UI_CONSENT},
        "oauth2": {"hashers": {"algorithm": "pbkdf2", "pbkdf2": {"iterations": iterations},
                               "verified_secret_ttl": verified_ttl}},
    }  # fmt: skip
    roost = Roost(workdir, "oauth2", config, workers)
    roost.wait_ready(f"http://127.0.0.1:{admin}")
    return Target(
        "", f"http://127.0.0.1:{public}", f"http://127.0.0.1:{admin}", roost.stop, roost.proc.pid
    )


def start_hydra(binary: str, workdir: Path, dsn: str, iterations: int) -> Target:
    public, admin = free_port(), free_port()
    env = {
        **os.environ,
        "DSN": dsn,
        "SERVE_PUBLIC_HOST": "127.0.0.1",
        "SERVE_PUBLIC_PORT": str(public),
        "SERVE_ADMIN_HOST": "127.0.0.1",
        "SERVE_ADMIN_PORT": str(admin),
        "SECRETS_SYSTEM": SECRET,
        "URLS_LOGIN": UI_LOGIN,
        "URLS_CONSENT": UI_CONSENT,
        "URLS_SELF_ISSUER": f"http://127.0.0.1:{public}/",
        "SQA_OPT_OUT": "true",
        "LOG_LEVEL": "error",
        "OAUTH2_HASHERS_ALGORITHM": "pbkdf2",
        "OAUTH2_HASHERS_PBKDF2_ITERATIONS": str(iterations),
    }
    subprocess.run([binary, "migrate", "sql", "up", "-e", "--yes"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    log = (workdir / "hydra.log").open("wb")
    proc = subprocess.Popen(
        [binary, "serve", "all", "--dev", "--sqa-opt-out"], env=env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{admin}/health/ready", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        raise SystemExit(f"hydra did not become ready, see {log.name}")

    def stop() -> None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)

    return Target("", f"http://127.0.0.1:{public}", f"http://127.0.0.1:{admin}", stop, proc.pid)


Request = tuple[str, str, dict[str, str], str]  # url, method, headers, body


def prepare(t: Target) -> dict[str, Request]:
    """Create 25 clients and one token; the fixed request of each operation."""
    clients = [
        httpx.post(f"{t.admin}/admin/clients",
                   json={"grant_types": ["client_credentials"], "owner": "bench"}).json()
        for _ in range(25)
    ]  # fmt: skip
    c = clients[0]
    basic = base64.b64encode(f"{c['client_id']}:{c['client_secret']}".encode()).decode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    token = httpx.post(
        f"{t.public}/oauth2/token", data={"grant_type": "client_credentials"},
        auth=(c["client_id"], c["client_secret"]),
    ).json()["access_token"]  # fmt: skip
    return {
        "client_credentials": (f"{t.public}/oauth2/token", "POST",
                               {**form, "Authorization": f"Basic {basic}"},
                               "grant_type=client_credentials"),
        "introspect": (f"{t.admin}/admin/oauth2/introspect", "POST", form, f"token={token}"),
        "get client": (f"{t.admin}/admin/clients/{c['client_id']}", "GET", {}, ""),
        "list clients": (f"{t.admin}/admin/clients?page_size=25&owner=bench", "GET", {}, ""),
    }  # fmt: skip


def measure(t: Target, request: Request, seconds: int) -> Result:
    url, method, headers, body = request
    wrk(url, method, headers, body, 2)  # warm-up
    return wrk(url, method, headers, body, seconds, t.cpu)


def median(runs: list[Result]) -> Result:
    """Each figure's median over the rounds (the middle run's, for an odd count)."""
    mid = len(runs) // 2

    def pick(values: list[Any]) -> Any:
        return sorted(values)[mid]

    db = [r.db_cpu_ms for r in runs]
    own = [r.client_cpu_ms for r in runs]
    return Result(
        pick([r.rps for r in runs]),
        pick([r.p50_ms for r in runs]),
        pick([r.p99_ms for r in runs]),
        sum(r.bad for r in runs),
        pick([r.server_cpu_ms for r in runs]),
        None if None in db else pick(db),
        None if None in own else pick(own),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1, help="report each figure's median")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=25000)
    parser.add_argument("--hydra", default="/work/hydra-ref/hydra")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--ops", default="", help="comma-separated subset of the operations")
    parser.add_argument("--no-hydra", action="store_true")
    parser.add_argument("--concurrency", type=int, default=16, help="browsers for 'code flow'")
    parser.add_argument(
        "--verified-secret-ttls",
        default="10m",
        help="Roost's oauth2.hashers.verified_secret_ttl, one Roost per value (0s: off)",
    )
    args = parser.parse_args()
    only = {o.strip() for o in args.ops.split(",") if o.strip()}
    global LOAD
    LOAD = " ".join(f"{x:.1f}" for x in os.getloadavg())
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")

    admin_dsn, cluster = os.environ.get("ROOST_TEST_POSTGRES_DSN", ""), ""
    postmaster = None
    if not admin_dsn:
        admin_dsn, cluster = start_postgres()
        postmaster = postmaster_pid(cluster)
    elif "postgres" in args.backends or not args.no_hydra:
        postmaster = local_postmaster(admin_dsn)
    runs: dict[str, dict[str, list[Result]]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
            # Every server runs for the whole benchmark (an idle one takes no CPU) and the
            # operations go round the servers in turn, so a change in the machine's load
            # falls on all of them rather than on whichever happened to run then.
            targets: dict[str, Target] = {}
            ttls = args.verified_secret_ttls.split(",")
            for backend, ttl in ((b, t) for b in args.backends.split(",") for t in ttls):
                dsn = (f"sqlite:///{tmp}/bench-{ttl}.sqlite" if backend == "sqlite"
                       else new_database(admin_dsn))  # fmt: skip
                target = start_roost(
                    Path(tmp) / f"{backend}-{ttl}", dsn, args.workers, args.iterations, ttl
                )
                stack.callback(target.stop)
                target.postmaster = postmaster if backend != "sqlite" else None
                memo = f", verified secrets kept {ttl}" if len(ttls) > 1 else ""
                targets[f"Roost ({backend}, {args.workers} workers{memo})"] = target
            if args.no_hydra:
                pass
            elif Path(args.hydra).exists():
                hydra_dsn = new_database(admin_dsn)
                hydra_dsn += ("&" if "?" in hydra_dsn else "?") + HYDRA_DSN_OPTIONS
                target = start_hydra(args.hydra, Path(tmp), hydra_dsn, args.iterations)
                stack.callback(target.stop)
                target.postmaster = postmaster
                targets["Hydra v2.3.0 (postgres)"] = target
            else:
                print(f"note: {args.hydra} not found; Hydra was not measured")
            requests = {name: prepare(t) for name, t in targets.items()}
            flows = {name: code_flow.prepare(t.admin) for name, t in targets.items()}
            names = [*next(iter(requests.values())), code_flow.NAME]
            ops = [op for op in names if not only or op in only]
            for _ in range(args.rounds):
                for op in ops:
                    for name, t in targets.items():
                        if op == code_flow.NAME:
                            result = Result(*code_flow.measure(
                                t.public, t.admin, flows[name], args.seconds, args.concurrency,
                                t.cpu))  # fmt: skip
                        else:
                            result = measure(t, requests[name][op], args.seconds)
                        runs.setdefault(name, {}).setdefault(op, []).append(result)
    finally:
        if cluster:
            stop_postgres(cluster)

    print(
        f"\nclient secret hash: PBKDF2-SHA256, {args.iterations} iterations; {CONNECTIONS} "
        f"connections; {args.seconds}s per operation; {args.rounds} round(s), medians; "
        f"{os.cpu_count()} CPUs; load average before the run: {LOAD}; 'code flow': "
        f"{args.concurrency} concurrent browsers, req/s = completed flows/s, latency of a "
        "whole flow\n"
    )
    rows = [
        [server, op, f"{r.rps:.0f}", f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}",
         f"{r.server_cpu_ms:.2f}", "n/a" if r.db_cpu_ms is None else f"{r.db_cpu_ms:.2f}", r.bad]
        for server, by_op in runs.items()
        for op, r in ((op, median(results)) for op, results in by_op.items())
    ]  # fmt: skip
    headers = ["server", "operation", "req/s", "p50 ms", "p99 ms",
               "server CPU ms/req", "db CPU ms/req", "non-2xx/errors"]  # fmt: skip
    print(f"load average after the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(table(headers, rows))
    generator = [
        f"{server} {r.client_cpu_ms:.1f} ms"
        for server, by_op in runs.items()
        for r in [median(by_op[code_flow.NAME])] if code_flow.NAME in by_op
        if r.client_cpu_ms is not None
    ]  # fmt: skip
    if generator:
        print(f"\nload generator CPU per flow: {'; '.join(generator)}")


if __name__ == "__main__":
    main()
