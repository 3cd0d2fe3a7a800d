"""Benchmark complete "Sign in with Roost" sign-ins, browser-style, without a browser.

    python -m bench.login.run [--seconds 15] [--users 16] [--workers 2] [--postgres-dsn DSN]

One ``roost serve`` runs identity, OAuth2 and the account UI on PostgreSQL,
wired as ``roost serve`` wires them without a config. ``--users`` closed-loop
users each sign in over and over with a fresh cookie jar (a new browser):
the authorization URL through the redirects to the login page, the password
form posted with its CSRF token, the consent page and its form, the redirect
to the relying party, and the RP's code exchange at the token endpoint. Run
twice: at Kratos's default bcrypt cost 12 and at cost 4 (the tests' cost), so
the second run shows Roost's own overhead. Prints completed sign-ins/s,
p50/p99 of the whole flow and of each step, and CPU per sign-in of Roost's
processes and of this load generator (httpx, on the same cores).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from bench.common.cpu import tree_cpu
from bench.common.services import Roost, free_port, new_database, postgres_admin, table
from bench.login.user import form, query, submit
from roost.cli.wiring import SignInUrls, merged, sign_in_blocks

PASSWORD = "Bench-login-0030!"
STEPS = ("authorize → login page", "password", "consent", "token")


def _config(dsns: dict[str, str], cost: int, p: dict[str, int]) -> dict[str, Any]:
    urls = _urls(p)
    blocks = sign_in_blocks(urls)
    loop = "127.0.0.1"
    identity = merged(
        blocks["identity"],
        {
            "dsn": dsns["identity"],
            "serve": {
                "public": {"host": loop, "port": p["idp"]},
                "admin": {"host": loop, "port": p["ida"]},
            },
            "hashers": {"algorithm": "bcrypt", "bcrypt": {"cost": cost}},
        },
    )
    oauth2 = merged(
        blocks["oauth2"],
        {
            "dsn": dsns["oauth2"],
            "serve": {
                "public": {"host": loop, "port": p["op"]},
                "admin": {"host": loop, "port": p["oa"]},
            },
            "urls": {"self": {"issuer": urls.oauth2_public, "public": urls.oauth2_public}},
            "secrets": {"system": ["a-bench-system-secret-of-32-characters!"]},
        },
    )
    account = merged(blocks["account"], {"serve": {"host": loop, "port": p["ui"]}})
    return {"identity": identity, "oauth2": oauth2, "account": account}


def _urls(p: dict[str, int]) -> SignInUrls:
    return SignInUrls(
        account=f"http://localhost:{p['ui']}",
        identity_public=f"http://localhost:{p['idp']}",
        oauth2_public=f"http://localhost:{p['op']}",
        oauth2_admin=f"http://localhost:{p['oa']}",
    )


async def _one(
    urls: SignInUrls, client: dict[str, Any], address: str, times: dict[str, list[float]]
) -> None:
    """One complete sign-in in a new browser; each step's seconds appended to ``times``."""
    redirect = f"{urls.account}/callback"
    params = {
        "client_id": client["client_id"],
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": redirect,
        "state": uuid.uuid4().hex,
    }
    async with httpx.AsyncClient(follow_redirects=True, timeout=60) as b:
        t0 = time.perf_counter()
        page = await b.get(f"{urls.oauth2_public}/oauth2/auth", params=params)
        t1 = time.perf_counter()
        page = await submit(b, form(page, "flow-password"), identifier=address, password=PASSWORD)
        t2 = time.perf_counter()
        page = await submit(b, form(page, "consent"), "decision=allow")
        t3 = time.perf_counter()
        code = query(page.url)["code"]
        token = await b.post(
            f"{urls.oauth2_public}/oauth2/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
            auth=(client["client_id"], client["client_secret"]),
        )
        t4 = time.perf_counter()
    if token.status_code != 200 or "id_token" not in token.json():
        raise RuntimeError(f"token exchange failed: {token.status_code}")
    for step, seconds in zip(STEPS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
        times[step].append(seconds)
    times["whole sign-in"].append(t4 - t0)


async def _load(
    urls: SignInUrls, client: dict[str, Any], addresses: list[str], seconds: float
) -> tuple[dict[str, list[float]], int, float]:
    times: dict[str, list[float]] = defaultdict(list)
    failures = 0
    end = time.monotonic() + seconds

    async def user(address: str) -> None:
        nonlocal failures
        while time.monotonic() < end:
            try:
                await _one(urls, client, address, times)
            except (httpx.HTTPError, RuntimeError, AssertionError, KeyError) as exc:
                failures += 1
                if failures == 1:
                    print(f"first failure: {type(exc).__name__}: {str(exc)[:300]}", file=sys.stderr)

    start = time.monotonic()
    await asyncio.gather(*(user(a) for a in addresses))
    return times, failures, time.monotonic() - start


def _identities(admin: str, n: int) -> list[str]:
    out = []
    for _ in range(n):
        address = f"bench-{uuid.uuid4().hex[:10]}@example.com"
        r = httpx.post(
            f"{admin}/admin/identities",
            json={
                "schema_id": "default",
                "traits": {"email": address},
                "credentials": {"password": {"config": {"password": PASSWORD}}},
            },
            timeout=60,
        )
        r.raise_for_status()
        out.append(address)
    return out


def _ms(values: list[float], q: float) -> str:
    if len(values) < 2:
        return "-"
    return f"{statistics.quantiles(values, n=100)[int(q) - 1] * 1000:.0f}"


def bench(cost: int, args: argparse.Namespace, admin_dsn: str) -> list[list[Any]]:
    p = {k: free_port() for k in ("ui", "idp", "ida", "op", "oa")}
    dsns = {k: new_database(admin_dsn) for k in ("identity", "oauth2")}
    with tempfile.TemporaryDirectory() as tmp:
        stack = Roost(Path(tmp), None, _config(dsns, cost, p), args.workers)
        urls = _urls(p)
        try:
            stack.wait_ready(urls.account, urls.identity_public, urls.oauth2_admin, timeout=90)
            client = httpx.post(
                f"{urls.oauth2_admin}/admin/clients",
                json={
                    "client_name": "Bench",
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                    "scope": "openid",
                    "redirect_uris": [f"{urls.account}/callback"],
                    "skip_consent": False,
                },
            ).json()
            addresses = _identities(f"http://127.0.0.1:{p['ida']}", args.users)
            asyncio.run(_load(urls, client, addresses[:2], 2))  # warm-up
            cpu0, own0 = tree_cpu(stack.proc.pid), time.process_time()
            times, failures, elapsed = asyncio.run(_load(urls, client, addresses, args.seconds))
            cpu, own = tree_cpu(stack.proc.pid) - cpu0, time.process_time() - own0
        finally:
            stack.stop()
    done = len(times["whole sign-in"])
    rows: list[list[Any]] = []
    for step in ("whole sign-in", *STEPS):
        v = times[step]
        rate = f"{done / elapsed:.1f}" if step == "whole sign-in" else ""
        whole = step == "whole sign-in" and done
        cpu_ms = f"{cpu / done * 1000:.0f}" if whole else ""
        own_ms = f"{own / done * 1000:.0f}" if whole else ""
        rows.append([f"bcrypt {cost}", step, rate, _ms(v, 50), _ms(v, 99), cpu_ms, own_ms, ""])
    rows[0][-1] = f"{done} ok, {failures} failed"
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--costs", default="12,4", help="bcrypt costs to run, comma-separated")
    parser.add_argument("--postgres-dsn", help="admin DSN; default: a throwaway cluster")
    args = parser.parse_args()
    rows: list[list[Any]] = []
    with postgres_admin(["postgres"], args.postgres_dsn) as admin_dsn:
        assert admin_dsn is not None
        for cost in (int(c) for c in args.costs.split(",")):
            rows += bench(cost, args, admin_dsn)
    print(
        f"\nPostgreSQL, {args.users} closed-loop users, roost serve --workers {args.workers}, "
        f"{args.seconds}s per cost, {os.cpu_count()} cores\n"
    )
    headers = ["hash", "step", "sign-ins/s", "p50 ms", "p99 ms", "CPU ms/sign-in",
               "load generator CPU ms/sign-in", "count"]  # fmt: skip
    print(table(headers, rows))


if __name__ == "__main__":
    main()
