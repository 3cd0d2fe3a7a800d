"""What a whoami-shaped request costs on this machine with no Roost in it.

    python -m bench.identity.floor --admin-dsn DSN [--rounds 3] [--seconds 6]

Issue 11's whoami target (≥ 8,000/s on 2 cores) was first met on another
machine. This measures the floor under the same stack Roost serves on — uvloop,
uvicorn's httptools protocol, one worker, Starlette, asyncpg, wrk -t1 -c32 —
with two endpoints that do nothing of Roost's:

- ``/plain``: a constant JSON body of a whoami's size;
- ``/row``: one ``SELECT`` of a row by its unique text key through an asyncpg
  pool (prepared once, as asyncpg caches it), answered as JSON.

A whoami does ``/row``'s work plus the session checks. If ``/row`` alone stays
under 8,000/s, the target is out of reach of any Python server on this stack
and machine, and the whoami rows of ``bench.identity.run`` are to be read
against this floor. CPU per request (server, PostgreSQL, wrk) is reported
beside req/s, as in the other benchmarks.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.common import wrk as wrk_report
from bench.common.cpu import local_postmaster, tree_cpu
from bench.common.services import free_port, new_database, table

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

app = Starlette(routes=[Route("/plain", plain), Route("/row", row)], lifespan=lifespan)
uvloop.run(uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=int(os.environ["FLOOR_PORT"]),
    http="httptools", lifespan="on", access_log=False, log_level="warning")).serve())
"""

_LUA = """
local tokens = {}
for line in io.lines("%(tokens)s") do tokens[#tokens + 1] = line end
request = function()
  return wrk.format("GET", "%(path)s", {["X-Session-Token"] = tokens[math.random(#tokens)]}, nil)
end
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


def _drive(
    url: str, path: str, tokens: Path, seconds: int, cpu: Callable[[], tuple[float, float | None]]
) -> tuple[wrk_report.Result, float]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "floor.lua"
        script.write_text(_LUA % {"tokens": tokens, "path": path})
        before_client = _children_cpu()
        before = cpu()
        out = subprocess.run(
            [*WRK, f"-d{seconds}s", "-s", str(script), url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        after = cpu()
        result = wrk_report.with_cpu(wrk_report.parse(out), seconds, before, after)
        client = (_children_cpu() - before_client) / max(1.0, result.rps * seconds) * 1000
    return result, client


WRK = ["wrk", "-t1", "-c32", "--timeout", "10s", "--latency"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _wait(url: str) -> None:
    for _ in range(100):
        try:
            if httpx.get(url + "/plain", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the floor server did not start")


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
    port = free_port()
    env = {**os.environ, "FLOOR_DSN": _asyncpg_dsn(dsn), "FLOOR_PORT": str(port)}
    server = subprocess.Popen([sys.executable, "-c", _APP], env=env)
    url = f"http://127.0.0.1:{port}"
    postmaster = local_postmaster(dsn)

    def cpu() -> tuple[float, float | None]:
        return tree_cpu(server.pid), tree_cpu(postmaster) if postmaster else None

    rows = []
    try:
        _wait(url)
        with tempfile.TemporaryDirectory() as tmp:
            token_file = Path(tmp) / "tokens.txt"
            token_file.write_text("\n".join(tokens) + "\n")
            _drive(url, "/row", token_file, 2, cpu)  # warm up
            for rnd in range(args.rounds):
                for path in ("/plain", "/row"):
                    r, client = _drive(url, path, token_file, args.seconds, cpu)
                    rows.append(
                        [
                            rnd,
                            path,
                            f"{r.rps:,.0f}",
                            f"{r.p99_ms:.2f}",
                            f"{r.server_cpu_ms:.3f}",
                            f"{r.db_cpu_ms or 0:.3f}",
                            f"{client:.3f}",
                        ]
                    )
                    print(rows[-1], flush=True)
    finally:
        server.terminate()
        server.wait(10)
    print(
        table(
            [
                "round",
                "endpoint",
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
