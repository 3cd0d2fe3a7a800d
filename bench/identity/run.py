"""Benchmark the identity service: whoami, native login and registration (req/s, p50, p99).

    python -m bench.identity.run [--backend sqlite|postgres|both] [--cost 12] [--seconds 10]

Starts ``roost serve identity`` (SQLite in a temp folder, or a database on a
throwaway PostgreSQL cluster), registers users through the API, then drives
wrk at 32 connections:

- whoami: ``GET /sessions/whoami`` with a random valid ``X-Session-Token``;
- login: ``POST /self-service/login?flow=`` with a correct password, one
  pre-created flow per request (flows are single-use);
- registration: ``POST /self-service/registration?flow=`` of new users;
- whoami (cookie): ``GET /sessions/whoami`` with a browser's ``ory_kratos_session``
  cookie (50 users signed in through the browser flow);
- browser login: the HTML form post of a browser flow (CSRF cookie and token,
  answered with a 303 and the session cookie; wrk counts 3xx as success).

It also times one password hash at the configured bcrypt cost in-process,
so the login row can be compared with the hash's own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import bcrypt
import httpx

from bench.common import wrk as wrk_report
from bench.common.cpu import local_postmaster, server_and_db
from bench.common.services import (
    Roost,
    free_port,
    new_database,
    postgres_admin,
    table,
)

PASSWORD = "Bench-Passw0rd-2026"
WRK = ["wrk", "-t1", "-c32", "--timeout", "10s", "--latency"]

_LUA = """
local items = {}
for line in io.lines("%(items)s") do items[#items + 1] = line end
local mode = "%(mode)s"
local i = 0
request = function()
  i = i + 1
  if mode == "whoami" then
    local t = items[math.random(#items)]
    return wrk.format("GET", "/sessions/whoami", {["X-Session-Token"] = t}, nil)
  end
  if mode == "whoami_cookie" then
    local c = items[math.random(#items)]
    return wrk.format("GET", "/sessions/whoami", {["Cookie"] = c}, nil)
  end
  local line = items[((i - 1) %% #items) + 1]
  local sep = line:find("\\t")
  if mode == "browser" then
    local rest = line:sub(sep + 1)
    local sep2 = rest:find("\\t")
    return wrk.format("POST", line:sub(1, sep - 1),
      {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = rest:sub(sep2 + 1)},
      rest:sub(1, sep2 - 1))
  end
  return wrk.format("POST", line:sub(1, sep - 1),
    {["Content-Type"] = "application/json"}, line:sub(sep + 1))
end
"""


def wrk(
    url: str,
    mode: str,
    items: list[str],
    seconds: int,
    cpu: Callable[[], tuple[float, float | None]] | None = None,
) -> wrk_report.Result:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "items.txt"
        data.write_text("\n".join(items) + "\n")
        script = Path(tmp) / "mix.lua"
        script.write_text(_LUA % {"items": data, "mode": mode})
        before = cpu() if cpu else None
        out = subprocess.run(
            # a long timeout: hash-bound requests queue for seconds and must be counted
            [*WRK, f"-d{seconds}s", "-s", str(script), url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        after = cpu() if cpu else None
    return wrk_report.with_cpu(wrk_report.parse(out), seconds, before, after)


async def _flows(public: str, kind: str, n: int) -> list[str]:
    async with httpx.AsyncClient(base_url=public, timeout=60) as client:
        sem = asyncio.Semaphore(16)

        async def one() -> str:
            async with sem:
                r = await client.get(f"/self-service/{kind}/api")
                return str(r.json()["id"])

        return list(await asyncio.gather(*(one() for _ in range(n))))


async def _users(admin: str, public: str, n: int) -> list[tuple[str, str]]:
    """n users imported through the admin API, and one session token each."""
    async with httpx.AsyncClient(timeout=120) as client:
        sem = asyncio.Semaphore(8)

        async def one(i: int) -> tuple[str, str]:
            address = f"bench-{i}-{time.monotonic_ns()}@example.com"
            async with sem:
                body = {
                    "schema_id": "default",
                    "traits": {"email": address},
                    "credentials": {"password": {"config": {"password": PASSWORD}}},
                }
                r = await client.post(f"{admin}/admin/identities", json=body)
                r.raise_for_status()
                flow = (await client.get(f"{public}/self-service/login/api")).json()["id"]
                login = {"method": "password", "identifier": address, "password": PASSWORD}
                r = await client.post(f"{public}/self-service/login?flow={flow}", json=login)
                if r.status_code != 200:
                    raise SystemExit(f"login failed: {r.status_code} {r.text[:600]}")
                return address, str(r.json()["session_token"])

        return list(await asyncio.gather(*(one(i) for i in range(n))))


def _cookies(client: httpx.AsyncClient) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


async def _browser_flows(public: str, n: int) -> list[tuple[str, str, str]]:
    """n browser login flows: (flow id, CSRF token, the browser's Cookie header)."""
    sem = asyncio.Semaphore(16)

    async def one() -> tuple[str, str, str]:
        async with sem, httpx.AsyncClient(base_url=public, timeout=60) as client:
            r = await client.get(
                "/self-service/login/browser", headers={"Accept": "application/json"}
            )
            flow = r.json()
            csrf = next(
                n["attributes"]["value"]
                for n in flow["ui"]["nodes"]
                if n["attributes"].get("name") == "csrf_token"
            )
            return str(flow["id"]), str(csrf), _cookies(client)

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def _session_cookies(public: str, users: list[tuple[str, str]]) -> list[str]:
    """A browser session (its Cookie header) for each user, by a browser login."""
    sem = asyncio.Semaphore(8)

    async def one(address: str) -> str:
        async with sem, httpx.AsyncClient(base_url=public, timeout=120) as client:
            r = await client.get(
                "/self-service/login/browser", headers={"Accept": "application/json"}
            )
            flow = r.json()
            csrf = next(
                n["attributes"]["value"]
                for n in flow["ui"]["nodes"]
                if n["attributes"].get("name") == "csrf_token"
            )
            form = {
                "csrf_token": csrf,
                "method": "password",
                "identifier": address,
                "password": PASSWORD,
            }
            r = await client.post(f"/self-service/login?flow={flow['id']}", data=form)
            if r.status_code != 303 or "ory_kratos_session" not in client.cookies:
                raise SystemExit(f"browser login failed: {r.status_code} {r.text[:300]}")
            return f"ory_kratos_session={client.cookies['ory_kratos_session']}"

    return list(await asyncio.gather(*(one(a) for a, _ in users)))


def hash_ms(cost: int) -> float:
    salt = bcrypt.gensalt(cost)
    hashed = bcrypt.hashpw(PASSWORD.encode(), salt)
    start = time.perf_counter()
    for _ in range(3):
        bcrypt.checkpw(PASSWORD.encode(), hashed)
    return (time.perf_counter() - start) / 3 * 1000


def bench_backend(backend: str, args: argparse.Namespace, admin_dsn: str | None) -> list[list[Any]]:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-identity-{backend}-"))
    dsn = (
        f"sqlite:///{workdir / 'identity.sqlite'}"
        if backend == "sqlite"
        else new_database(admin_dsn or "")
    )
    public_port, admin_port = free_port(), free_port()
    config = {
        "dsn": dsn,
        "serve": {
            "public": {"host": "127.0.0.1", "port": public_port},
            "admin": {"host": "127.0.0.1", "port": admin_port},
        },
        "hashers": {"bcrypt": {"cost": args.cost}},
    }
    server = Roost(workdir, "identity", config, args.workers)
    public, admin = f"http://127.0.0.1:{public_port}", f"http://127.0.0.1:{admin_port}"
    rows = []
    postmaster = local_postmaster(dsn) if backend == "postgres" else None
    cpu = server_and_db(server.proc.pid, postmaster)

    try:
        server.wait_ready(public)
        users = asyncio.run(_users(admin, public, args.users))
        whoami = wrk(public, "whoami", [t for _, t in users], args.seconds, cpu)
        # enough single-use flows for the run: logins are bounded by the hash
        budget = max(200, int(args.seconds * 2 * 1000 / hash_ms(args.cost)) * 2)
        flows = asyncio.run(_flows(public, "login", budget))
        login_items = [
            f"/self-service/login?flow={f}\t"
            + json.dumps(
                {"method": "password", "identifier": users[i % len(users)][0], "password": PASSWORD}
            )
            for i, f in enumerate(flows)
        ]
        login = wrk(public, "login", login_items, args.seconds, cpu)
        flows = asyncio.run(_flows(public, "registration", budget))
        reg_items = [
            f"/self-service/registration?flow={f}\t"
            + json.dumps(
                {
                    "method": "password",
                    "password": PASSWORD,
                    "traits": {"email": f"new-{i}-{time.monotonic_ns()}@example.com"},
                }
            )
            for i, f in enumerate(flows)
        ]
        registration = wrk(public, "registration", reg_items, args.seconds, cpu)
        cookies = asyncio.run(_session_cookies(public, users[: min(len(users), 50)]))
        whoami_cookie = wrk(public, "whoami_cookie", cookies, args.seconds, cpu)
        browser_items = [
            f"/self-service/login?flow={f}\t"
            + urlencode(
                {
                    "csrf_token": csrf,
                    "method": "password",
                    "identifier": users[i % len(users)][0],
                    "password": PASSWORD,
                }
            )
            + f"\t{cookie}"
            for i, (f, csrf, cookie) in enumerate(asyncio.run(_browser_flows(public, budget)))
        ]
        browser = wrk(public, "browser", browser_items, args.seconds, cpu)
        for name, r in (
            ("whoami", whoami),
            ("whoami (cookie)", whoami_cookie),
            ("login", login),
            ("browser login (form + CSRF, 303)", browser),
            ("registration", registration),
        ):
            rows.append(
                [
                    backend,
                    name,
                    f"{r.rps:,.0f}",
                    f"{r.p50_ms:.1f}",
                    f"{r.p99_ms:.1f}",
                    f"{r.non_2xx}",
                    f"{r.errors}",
                    "-" if r.server_cpu_ms is None else f"{r.server_cpu_ms:.3f}",
                    "-" if r.db_cpu_ms is None else f"{r.db_cpu_ms:.3f}",
                ]
            )
    finally:
        server.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cost", type=int, default=12, help="bcrypt cost (Kratos default 12)")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--postgres-dsn", help="admin DSN; default: a throwaway cluster")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    with postgres_admin(backends, args.postgres_dsn) as admin_dsn:
        rows = [row for b in backends for row in bench_backend(b, args, admin_dsn)]
    one_hash = hash_ms(args.cost)
    print(
        f"\nbcrypt cost {args.cost}: one verify takes {one_hash:.0f} ms on this machine "
        f"(≈ {2000 / one_hash:.1f} verifies/s on 2 cores); workers={args.workers}, "
        f"32 connections, wrk -t1, {args.seconds}s per row\n"
    )
    headers = [
        "backend",
        "request",
        "req/s",
        "p50 ms",
        "p99 ms",
        "non-2xx",
        "socket errors",
        "server CPU ms/req",
        "PG CPU ms/req",
    ]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
