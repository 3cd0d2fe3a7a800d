"""What a whoami-shaped request costs on this machine with no Roost in it.

    python -m bench.identity.floor --admin-dsn DSN [--rounds 3] [--seconds 6]

Issue 11's whoami target (≥ 8,000/s on 2 cores) was first met on another
machine. This measures the floor under the same stack Roost serves on — uvloop,
uvicorn's httptools protocol, one worker, Starlette, asyncpg, wrk -t1 -c32 —
with two servers that do nothing of Roost's, each answering
``/sessions/whoami`` so that ``bench.identity.run``'s wrk driver drives them:

- ``plain``: a constant JSON body of a whoami's size;
- ``row``: one ``SELECT`` of a row by its unique text key (the request's
  ``X-Session-Token``) through an asyncpg pool (prepared once, as asyncpg
  caches it), answered as JSON.

A whoami does ``row``'s work plus the session checks. If ``/row`` alone stays
under 8,000/s, the target is out of reach of any Python server on this stack
and machine, and the whoami rows of ``bench.identity.run`` are to be read
against this floor. CPU per request (server, PostgreSQL, wrk) is reported
beside req/s, as in the other benchmarks.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time

import httpx

from bench.common.cpu import children_cpu, local_postmaster, server_and_db
from bench.common.services import free_port, new_database, table
from bench.identity.run import wrk

_APP = """
import contextlib, json, os, asyncpg, uvicorn, uvloop
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = json.dumps({"id": "x" * 36, "traits": {"email": "a@example.com"}, "pad": "p" * 560}).encode()
pool = None

async def plain(request):
    return Response(BODY, media_type="application/json")

async def row(request):
    token = request.headers["x-session-token"]
    async with pool.acquire() as conn:
        found = await conn.fetchrow(
            "SELECT id, token, payload FROM floor_sessions WHERE token = $1", token)
    body = {"id": str(found["id"]), "payload": found["payload"]}
    return Response(json.dumps(body).encode(), media_type="application/json")

@contextlib.asynccontextmanager
async def lifespan(app):
    global pool
    pool = await asyncpg.create_pool(os.environ["FLOOR_DSN"], min_size=4, max_size=16)
    yield

answer = {"plain": plain, "row": row}[os.environ["FLOOR_MODE"]]
app = Starlette(routes=[Route("/sessions/whoami", answer)], lifespan=lifespan)
uvloop.run(uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=int(os.environ["FLOOR_PORT"]),
    http="httptools", lifespan="on", access_log=False, log_level="warning")).serve())
"""


def _seed(dsn: str, count: int) -> list[str]:
    """A table of ``count`` session-like rows keyed by a unique random token."""
    import asyncio

    import asyncpg

    async def go() -> list[str]:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(
                "CREATE TABLE floor_sessions (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), "
                "token TEXT UNIQUE NOT NULL, payload TEXT NOT NULL)"
            )
            tokens = [secrets.token_urlsafe(24) for _ in range(count)]
            await conn.executemany(
                "INSERT INTO floor_sessions (token, payload) VALUES ($1, $2)",
                [(t, "p" * 400) for t in tokens],
            )
            return tokens
        finally:
            await conn.close()

    return asyncio.run(go())


def _asyncpg_dsn(dsn: str) -> str:
    return dsn.replace("postgres+asyncpg://", "postgres://", 1).split("?")[0]


def _start(dsn: str, mode: str, token: str) -> tuple[subprocess.Popen[bytes], str]:
    """A floor server answering in ``mode``, once it answers ``token``'s request."""
    port = free_port()
    env = {**os.environ, "FLOOR_DSN": dsn, "FLOOR_PORT": str(port), "FLOOR_MODE": mode}
    server = subprocess.Popen([sys.executable, "-c", _APP], env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            answer = httpx.get(f"{url}/sessions/whoami", headers={"X-Session-Token": token})
            if answer.status_code == 200:
                return server, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"the {mode} floor server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--admin-dsn", required=True, help="PostgreSQL DSN that may CREATE DATABASE"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=6)
    args = parser.parse_args()
    dsn = new_database(args.admin_dsn)
    tokens = _seed(_asyncpg_dsn(dsn), 100)
    postmaster = local_postmaster(dsn)
    servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    rows = []
    try:
        for mode in ("plain", "row"):
            servers[mode] = _start(_asyncpg_dsn(dsn), mode, tokens[0])
        wrk(servers["row"][1], "whoami", tokens, 2)  # warm up
        for rnd in range(args.rounds):
            for mode, (server, url) in servers.items():
                before = children_cpu()
                r = wrk(url, "whoami", tokens, args.seconds, server_and_db(server.pid, postmaster))
                client = (children_cpu() - before) / max(1.0, r.rps * args.seconds) * 1000
                rows.append(
                    [
                        rnd,
                        mode,
                        f"{r.rps:,.0f}",
                        f"{r.p99_ms:.2f}",
                        f"{r.server_cpu_ms:.3f}",
                        f"{r.db_cpu_ms or 0:.3f}",
                        f"{client:.3f}",
                    ]
                )
                print(rows[-1], flush=True)
    finally:
        for server, _ in servers.values():
            server.terminate()
            server.wait(10)
    print(
        table(
            [
                "round",
                "server",
                "req/s",
                "p99 (ms)",
                "server CPU/req (ms)",
                "PG CPU/req (ms)",
                "wrk CPU/req (ms)",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
