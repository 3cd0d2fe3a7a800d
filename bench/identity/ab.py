"""A/B of CPU per whoami between source trees, interleaved on one machine.

    python -m bench.identity.ab TREE [TREE...] --admin-dsn DSN [--rounds 3] [--seconds 6] [--cookie]

Each TREE is a checkout (``git worktree add --detach ../old COMMIT``); its
``roost serve identity`` runs with ``PYTHONPATH=TREE/src`` on its own database
of the PostgreSQL server ``DSN`` names, one worker, bcrypt cost 4. Rounds go
over the trees in turn, so a change in the machine's load hits them alike.
Reported per request: the worker's CPU, the postmaster's and wrk's own (from
/proc and getrusage). On a shared machine these move far less than req/s does.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

from bench.common.cpu import children_cpu, local_postmaster, server_and_db
from bench.common.services import Roost, free_port, new_database
from bench.identity.run import _session_cookies, _users, wrk


def _start(tree: str, admin_dsn: str, cookie: bool) -> dict[str, Any]:
    os.environ["PYTHONPATH"] = f"{tree}/src"
    dsn = new_database(admin_dsn)
    public_port, admin_port = free_port(), free_port()
    config = {
        "dsn": dsn,
        "serve": {
            "public": {"host": "127.0.0.1", "port": public_port},
            "admin": {"host": "127.0.0.1", "port": admin_port},
        },
        "hashers": {"bcrypt": {"cost": 4}},
    }
    server = Roost(Path(tempfile.mkdtemp(prefix="bench-ab-")), "identity", config, 1)
    public = f"http://127.0.0.1:{public_port}"
    server.wait_ready(public)
    users = asyncio.run(_users(f"http://127.0.0.1:{admin_port}", public, 100))
    modes = [("token", "whoami", [t for _, t in users])]
    if cookie:
        modes.append(("cookie", "whoami_cookie", asyncio.run(_session_cookies(public, users[:50]))))
    wrk(public, "whoami", modes[0][2], 2)  # warm up
    return {
        "tree": tree,
        "server": server,
        "public": public,
        "modes": modes,
        "postmaster": local_postmaster(dsn),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+")
    parser.add_argument(
        "--admin-dsn", required=True, help="PostgreSQL DSN that may CREATE DATABASE"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--cookie", action="store_true", help="also whoami by session cookie")
    args = parser.parse_args()
    started: list[dict[str, Any]] = []
    results: dict[tuple[str, str], list[float]] = {}
    try:
        for tree in args.trees:
            started.append(_start(tree, args.admin_dsn, args.cookie))
        for rnd in range(args.rounds):
            for s in started:
                cpu = server_and_db(s["server"].proc.pid, s["postmaster"])
                for name, mode, items in s["modes"]:
                    before = children_cpu()
                    r = wrk(s["public"], mode, items, args.seconds, cpu)
                    client = (children_cpu() - before) / max(1.0, r.rps * args.seconds) * 1000
                    results.setdefault((s["tree"], name), []).append(r.server_cpu_ms or 0.0)
                    print(
                        f"round {rnd} {s['tree']} {name}: {r.rps:,.0f}/s, server "
                        f"{r.server_cpu_ms:.3f} ms, PG {r.db_cpu_ms or 0:.3f} ms, "
                        f"wrk {client:.3f} ms",
                        flush=True,
                    )
        for (tree, name), values in results.items():
            values.sort()
            print(f"{tree} {name}: server CPU median {values[len(values) // 2]:.3f} ms/req")
    finally:
        for s in started:
            s["server"].stop()


if __name__ == "__main__":
    main()
