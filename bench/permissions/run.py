"""Benchmark the permission service: checks/s, p50, p99 and SQL round trips per check.

    python -m bench.permissions.run [--backend sqlite|postgres|both] [--tuples 100000]
        [--rows mixed,grpc_mixed,...]

Builds a dataset (users in groups nested three deep, folders in a two-level
tree viewed by groups, documents inheriting ``view`` from their folder through
OPL ``traverse``), loads it through the write API, then drives checks over
HTTP with wrk at 32 connections and prints Markdown tables with req/s,
latency and CPU time per request (server and local PostgreSQL). Rows: a mix of
2,000 (document, user) pairs, its allowed half, checks over all documents
(mostly missing Roost's check cache), the mix under a steady write load, and
the floor, ``/health/alive`` on the same server: the cost of HTTP alone; then
the mix and the all-documents checks over Keto's gRPC API on the same read
port (``bench.common.grpcload``, needs Go). A second table counts SQL round
trips per check, cold and warm. ``--rows`` runs only the named rows (the
dataset is still loaded and verified, and the warm-up still runs).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from bench.common import grpcload, wrk
from bench.common.cpu import local_postmaster, server_and_db
from bench.common.services import (
    OryBinary,
    Roost,
    free_port,
    new_database,
    postgres_admin,
    table,
)

OPL = """
class User implements Namespace {}
class Group implements Namespace {
  related: { members: (User | SubjectSet<Group, "members">)[] }
}
class Folder implements Namespace {
  related: {
    parents: Folder[]
    viewers: (User | SubjectSet<Group, "members">)[]
  }
  permits = {
    view: (ctx: Context): boolean =>
      this.related.viewers.includes(ctx.subject) ||
      this.related.parents.traverse((p) => p.permits.view(ctx)),
  }
}
class Document implements Namespace {
  related: {
    parents: Folder[]
    viewers: (User | SubjectSet<Group, "members">)[]
  }
  permits = {
    view: (ctx: Context): boolean =>
      this.related.viewers.includes(ctx.subject) ||
      this.related.parents.traverse((p) => p.permits.view(ctx)),
  }
}
"""

SEED = 7


def _t(
    ns: str, obj: str, rel: str, sid: str | None = None, ss: tuple[str, str, str] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"namespace": ns, "object": obj, "relation": rel}
    if ss is not None:
        out["subject_set"] = {"namespace": ss[0], "object": ss[1], "relation": ss[2]}
    else:
        out["subject_id"] = sid
    return out


class Dataset:
    """Deterministic dataset; ``members[u]`` tells which top-level groups user u reaches."""

    def __init__(self, documents: int) -> None:
        rnd = random.Random(SEED)
        self.tuples: list[dict[str, Any]] = []
        self.users = [f"user-{i}" for i in range(2000)]
        top = [f"g1-{i}" for i in range(100)]
        self.reach: dict[str, set[str]] = {u: set() for u in self.users}
        for g1 in top:  # g1 holds 3 g2, each holds 3 g3, each holds 10 users
            for j in range(3):
                g2 = f"{g1}-{j}"
                self.tuples.append(_t("Group", g1, "members", ss=("Group", g2, "members")))
                for k in range(3):
                    g3 = f"{g2}-{k}"
                    self.tuples.append(_t("Group", g2, "members", ss=("Group", g3, "members")))
                    for u in rnd.sample(self.users, 10):
                        self.tuples.append(_t("Group", g3, "members", sid=u))
                        self.reach[u].add(g1)
        self.folder_group: dict[str, str] = {}
        self.folders: list[str] = []
        for i in range(200):  # root folders viewed by a top-level group, 9 subfolders each
            root = f"folder-{i}"
            group = top[i % len(top)]
            self.tuples.append(_t("Folder", root, "viewers", ss=("Group", group, "members")))
            for j in range(9):
                sub = f"{root}/{j}"
                self.tuples.append(_t("Folder", sub, "parents", ss=("Folder", root, "")))
                self.folder_group[sub] = group
                self.folders.append(sub)
        self.doc_folder: dict[str, str] = {}
        self.direct_viewer: dict[str, str] = {}
        for i in range(documents):
            doc = f"doc-{i}"
            folder = self.folders[i % len(self.folders)]
            self.doc_folder[doc] = folder
            self.tuples.append(_t("Document", doc, "parents", ss=("Folder", folder, "")))
            if i % 10 == 0:
                self.direct_viewer[doc] = rnd.choice(self.users)
                self.tuples.append(_t("Document", doc, "viewers", sid=self.direct_viewer[doc]))

    def checks(self, n: int) -> list[tuple[str, str, bool]]:
        """(document, user, expected) — half allowed through the whole chain, half denied."""
        rnd = random.Random(SEED + 1)
        out: list[tuple[str, str, bool]] = []
        docs = list(self.doc_folder)
        while len(out) < n:
            doc = rnd.choice(docs)
            user = rnd.choice(self.users)
            out.append((doc, user, self.expected(doc, user)))
        allowed = [c for c in out if c[2]]
        while len(allowed) < n // 2:  # top up allowed checks
            doc = rnd.choice(docs)
            group = self.folder_group[self.doc_folder[doc]]
            user = next(u for u in self.users if group in self.reach[u])
            allowed.append((doc, user, True))
        denied = [c for c in out if not c[2]]
        return allowed[: n // 2] + denied[: n // 2]

    def scattered(self, n: int) -> list[tuple[str, str, bool]]:
        """(document, user, expected) over all documents: each document is rarely seen twice,
        so its own rows are seldom in the check cache (its folders' and groups' are)."""
        rnd = random.Random(SEED + 2)
        docs = list(self.doc_folder)
        out: list[tuple[str, str, bool]] = []
        for _ in range(n):
            doc, user = rnd.choice(docs), rnd.choice(self.users)
            out.append((doc, user, self.expected(doc, user)))
        return out

    def expected(self, doc: str, user: str) -> bool:
        """A direct viewer, or a member of the group that views the document's folder."""
        group = self.folder_group[self.doc_folder[doc]]
        return self.direct_viewer.get(doc) == user or group in self.reach[user]


WRITES_PER_SECOND = 20
WARM_UP_SECONDS = 3
"""Before the recorded rows, the check mix runs unrecorded for this long (Roost's check
cache starts empty; the "any of 100k documents" row shows checks that mostly miss it)."""


class Writer:
    """Writes (insert, then delete, of one tuple) at a steady rate in a thread, while wrk runs.

    Every write moves the version counter, so every replica's check cache
    starts over: this row shows what a steady write load costs the checks.
    """

    def __init__(self, write_url: str, per_second: int) -> None:
        self.url, self.period = write_url, 1 / per_second
        self.done = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Writer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        t = _t("Group", "bench-writes", "members", sid="someone")
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.wait(self.period):
                action = "insert" if self.done % 2 == 0 else "delete"
                body = [{"action": action, "relation_tuple": t}]
                client.patch("/admin/relation-tuples", json=body).raise_for_status()
                self.done += 1


GRPC_ROWS = {
    "grpc_mixed": "gRPC check, 50 % allowed",
    "grpc_scattered": "gRPC check, any of 100k documents",
}


ROWS = ("mixed", "allowed", "scattered", "writing", "floor", *GRPC_ROWS, "lookup", "trips")
"""Every row the benchmark can run; ``--rows`` picks some (and their order stays this one)."""


LOOKUP_USERS = 100
LOOKUP_VERIFIED = 5
"""Users whose full lookup answer is compared with the dataset's own expectation."""


def lookup_path(user: str, token: str = "") -> str:
    q = {"namespace": "Document", "relation": "view", "subject_id": user, "page_size": 500}
    return f"/x/relation-tuples/objects?{urlencode(q | ({'page_token': token} if token else {}))}"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def lookups(read_url: str, data: Dataset) -> dict[str, float]:
    """One caller, one request at a time: the first page (500 objects) and the whole list
    of every document a user can view, for LOOKUP_USERS users; the first few verified."""
    users = random.Random(SEED + 3).sample(data.users, LOOKUP_USERS)
    first: list[float] = []
    full: list[float] = []
    sizes: list[int] = []
    with httpx.Client(base_url=read_url, timeout=120) as client:
        for i, user in enumerate(users):
            found: list[str] = []
            token = ""
            started = time.perf_counter()
            while True:
                body = client.get(lookup_path(user, token)).raise_for_status().json()
                if not token:
                    first.append(time.perf_counter() - started)
                found += body["objects"]
                token = body["next_page_token"]
                if not token:
                    break
            full.append(time.perf_counter() - started)
            sizes.append(len(found))
            if i < LOOKUP_VERIFIED:
                want = sorted(d for d in data.doc_folder if data.expected(d, user))
                if sorted(found) != want:
                    raise SystemExit(f"wrong lookup for {user}: {len(found)} vs {len(want)}")
    return {
        "first_p50_ms": 1000 * _percentile(first, 0.5),
        "first_p99_ms": 1000 * _percentile(first, 0.99),
        "full_p50_ms": 1000 * _percentile(full, 0.5),
        "full_p99_ms": 1000 * _percentile(full, 0.99),
        "objects": sum(sizes) / len(sizes),
    }


def check_path(doc: str, user: str) -> str:
    q = urlencode({"namespace": "Document", "object": doc, "relation": "view", "subject_id": user})
    return f"/relation-tuples/check/openapi?{q}"


async def load(write_url: str, tuples: list[dict[str, Any]], writers: int = 4) -> float:
    """Write the dataset through PATCH in chunks of 1000, ``writers`` at a time."""
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=write_url, timeout=120) as client:
        sem = asyncio.Semaphore(writers)

        async def patch(chunk: list[dict[str, Any]]) -> None:
            async with sem:
                body = [{"action": "insert", "relation_tuple": t} for t in chunk]
                r = await client.patch("/admin/relation-tuples", json=body)
                r.raise_for_status()

        await asyncio.gather(*(patch(tuples[i : i + 1000]) for i in range(0, len(tuples), 1000)))
    return time.perf_counter() - started


async def analyze(dsn: str) -> None:
    """After the bulk load, what autovacuum does within a minute or so: refresh planner
    statistics and, on PostgreSQL, VACUUM (a table that grew by more than a fifth is
    vacuumed since PostgreSQL 13). The visibility map VACUUM sets is what lets the
    lookup's index-only scans skip the table (decision 0037); done here, the
    measurement does not depend on when autovacuum happens to run."""
    from sqlalchemy import text

    from roost.storage.database import Database

    db = Database(dsn)
    statement = "ANALYZE" if db.dialect == "sqlite" else "VACUUM ANALYZE"
    await db.read(lambda conn: conn.execute(text(statement)))
    await db.close()


def verify(read_url: str, checks: list[tuple[str, str, bool]]) -> None:
    """The dataset's expectations hold (so the benchmark measures real answers)."""
    with httpx.Client(base_url=read_url) as client:
        for doc, user, expected in checks[:50] + checks[-50:]:
            got = client.get(check_path(doc, user)).json()["allowed"]
            if got is not expected:
                raise SystemExit(f"wrong answer for {doc} {user}: {got}, expected {expected}")


async def round_trips(dsn: str, workdir: Path) -> list[list[Any]]:
    """SQL statements per check along paths of depth 1 to 6, measured in-process.

    "cold" is the first check on a fresh store (empty cache), "warm" the same
    check again; both include the version-counter read every check makes.
    """
    from roost.permissions.check.engine import CheckEngine, Limits
    from roost.permissions.namespaces.manager import Namespaces
    from roost.permissions.namespaces.opl import parse_opl
    from roost.permissions.sql.store import TupleStore, ensure_network
    from roost.storage.database import Database

    db = Database(dsn)
    nid = await ensure_network(db)
    namespaces = Namespaces(parse_opl(OPL).namespaces, opl=True)
    member = await _a_member(TupleStore(db, nid))  # held directly by the deepest group
    probes = [
        ("Group#members, direct", ("Group", "g1-0-0-0", "members"), member, 0),
        ("Group#members, nested 2", ("Group", "g1-0-0", "members"), member, 0),
        ("Group#members, nested 3", ("Group", "g1-0", "members"), member, 0),
        ("Document#view via folder tree and 3 groups", ("Document", "doc-0", "view"), member, 0),
        ("denied, max-depth=3", ("Group", "g1-0", "members"), "nobody", 3),
    ]
    rows = []
    for label, (ns, obj, rel), subject, depth in probes:
        store = TupleStore(db, nid)
        engine = CheckEngine(store, namespaces, Limits(10, 100, False))
        counts = []
        for _ in range(2):
            before = db.queries
            key = (ns, store.id_of(obj), rel)
            allowed = await engine.check(key, store.subject_ref(subject), depth)
            counts.append(db.queries - before)
        rows.append([label, allowed, *counts])
    await db.close()
    return rows


async def _a_member(store: Any) -> str:
    from roost.permissions.relationtuples.model import RelationQuery

    page, _ = await store.list_tuples(RelationQuery("Group", "g1-0-0-0", "members"), 1, None)
    return str(page[0].subject)


def bench_backend(
    backend: str, args: argparse.Namespace, admin_dsn: str | None, keto: str | None = None
) -> dict[str, Any]:
    """Load the dataset into one server and measure it; ``keto`` runs Ory Keto instead."""
    workdir = Path(tempfile.mkdtemp(prefix=f"roost-bench-{backend}-"))
    (workdir / "opl").mkdir()
    (workdir / "opl" / "ns.keto.ts").write_text(OPL)
    if backend == "postgres" and admin_dsn:
        dsn = new_database(admin_dsn)
    else:
        dsn = f"sqlite:///{workdir / 'keto.sqlite'}"
    listeners = ("read", "write", "opl", "metrics") if keto else ("read", "write", "opl")
    ports = {name: free_port() for name in listeners}
    config = {
        "dsn": dsn,
        "namespaces": {"location": f"file://{workdir / 'opl' / 'ns.keto.ts'}"},
        "limit": {"max_read_depth": 10},
        "serve": {k: {"host": "127.0.0.1", "port": v} for k, v in ports.items()},
    }
    server: Any
    if keto:
        server = OryBinary(keto, workdir, config, ["serve"])
    else:
        server = Roost(workdir, "permissions", config, args.workers)
    read, write = f"http://127.0.0.1:{ports['read']}", f"http://127.0.0.1:{ports['write']}"
    postmaster = local_postmaster(dsn) if backend == "postgres" else None
    cpu = server_and_db(server.proc.pid, postmaster)

    try:
        server.wait_ready(read)
        data = Dataset(args.tuples)
        # Keto v25.4.0 gives up on SERIALIZABLE conflicts between concurrent writers
        # (400 "Unable to serialize access ..."), so it is loaded by one writer.
        seconds = asyncio.run(load(write, data.tuples, writers=1 if keto else 4))
        asyncio.run(analyze(dsn))
        checks = data.checks(2000)
        scattered = data.scattered(200_000)
        verify(read, checks)
        verify(read, scattered)
        mixed_paths = [check_path(d, u) for d, u, _ in checks]
        wrk.run(read, mixed_paths, seconds=WARM_UP_SECONDS)  # fills caches; not recorded
        want = set(args.rows)
        out: dict[str, Any] = {"tuples": len(data.tuples), "load_s": seconds, "trips": []}
        if "lookup" in want and not keto:
            out["lookup"] = lookups(read, data)
        paths = {
            "mixed": mixed_paths,
            "allowed": [check_path(d, u) for d, u, ok in checks if ok],
            "scattered": [check_path(d, u) for d, u, _ in scattered],
            "floor": ["/health/alive"],
        }
        for name in ("mixed", "allowed", "scattered"):
            if name in want:
                out[name] = wrk.run(read, paths[name], seconds=args.seconds, cpu=cpu)
        if "writing" in want:
            with Writer(write, WRITES_PER_SECOND) as writer:
                out["writing"] = wrk.run(read, mixed_paths, seconds=args.seconds, cpu=cpu)
            out["writes"] = writer.done
        if "floor" in want:
            out["floor"] = wrk.run(read, paths["floor"], seconds=args.seconds, cpu=cpu)
        if args.grpcload:  # the same checks over gRPC, on the same read port
            address = f"127.0.0.1:{ports['read']}"
            for name, rows in (("grpc_mixed", checks), ("grpc_scattered", scattered)):
                if name in want:
                    grpc_checks = [("Document", d, "view", u) for d, u, _ in rows]
                    out[name] = grpcload.run(
                        args.grpcload, address, grpc_checks, seconds=args.seconds, cpu=cpu
                    )
        if "trips" in want and not keto:
            out["trips"] = asyncio.run(round_trips(dsn, workdir))
    finally:
        server.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--tuples", type=int, default=100_000, help="documents (≈ tuples)")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--lookups-only", action="store_true", help="load, verify, then only the lookup rows"
    )
    parser.add_argument(
        "--rows",
        type=lambda v: v.split(","),
        default=list(ROWS),
        help=f"comma-separated rows to run (default all: {','.join(ROWS)})",
    )
    parser.add_argument("--postgres-dsn", help="admin DSN; default: a throwaway cluster")
    parser.add_argument(
        "--keto",
        default=os.environ.get("ROOST_BENCH_KETO"),
        help="an Ory Keto v25.4.0 binary built outside this repository: runs the same load "
        "against it on the same PostgreSQL (env ROOST_BENCH_KETO)",
    )
    args = parser.parse_args()
    if args.lookups_only:
        args.rows = ["lookup"]
    unknown = set(args.rows) - set(ROWS)
    if unknown:
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")
    args.grpcload = grpcload.binary()
    if args.grpcload is None:
        print("note: no Go toolchain, so no gRPC rows (bench/common/grpcload is a Go program)")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    with postgres_admin(backends, args.postgres_dsn) as admin:
        results = {b: bench_backend(b, args, admin) for b in backends}
        if args.keto and "postgres" in backends:
            results["keto (Go) postgres"] = bench_backend("postgres", args, admin, args.keto)
        elif not args.keto:
            print("note: set ROOST_BENCH_KETO to an Ory Keto binary to compare side by side")
    rows = []
    for b, r in results.items():
        for name in ("mixed", "allowed", "scattered", "writing", "floor", *GRPC_ROWS):
            if name not in r:
                continue
            res = r[name]
            label = {
                "mixed": "check, 50 % allowed",
                "allowed": "check, allowed (deep)",
                "scattered": "check, any of 100k documents",
                "writing": f"check, 50 % allowed, {r.get('writes', 0) / args.seconds:.0f} writes/s",
                "floor": "floor: /health/alive",
                **GRPC_ROWS,
            }[name]
            server_ms = "-" if res.server_cpu_ms is None else f"{res.server_cpu_ms:.3f}"
            db_ms = "-" if res.db_cpu_ms is None else f"{res.db_cpu_ms:.3f}"
            latency = [f"{res.rps:,.0f}", f"{res.p50_ms:.2f}", f"{res.p99_ms:.2f}"]
            rows.append([b, label, *latency, server_ms, db_ms, res.errors + res.non_2xx])
    print(f"\nworkers={args.workers}, 32 connections, wrk -t1, {args.seconds}s per row")
    for b, r in results.items():
        print(f"{b}: {r['tuples']:,} tuples loaded through the API in {r['load_s']:.1f}s")
    print(f"machine: {os.cpu_count()} cores; load average at the end {os.getloadavg()[0]:.2f}")
    print()
    headers = ["backend", "request", "req/s", "p50 ms", "p99 ms"]
    headers += ["server CPU ms/req", "db CPU ms/req", "errors"]
    print(table(headers, rows))
    print()
    lookup_rows = [
        [
            b,
            f"{r['lookup']['objects']:,.0f}",
            *(f"{r['lookup'][k]:.1f}" for k in ("first_p50_ms", "first_p99_ms")),
            *(f"{r['lookup'][k]:.1f}" for k in ("full_p50_ms", "full_p99_ms")),
            "-" if "scattered" not in r else f"{args.tuples / r['scattered'].rps:.0f}",
        ]
        for b, r in results.items()
        if "lookup" in r
    ]
    headers = ["backend", "documents per user", "first page p50 ms", "first page p99 ms"]
    headers += ["all pages p50 ms", "all pages p99 ms", "brute force s (est.)"]
    print(table(headers, lookup_rows))
    print()
    trip_rows = [[b, *row] for b, r in results.items() for row in r["trips"]]
    headers = ["backend", "check", "allowed", "round trips, cold", "round trips, warm"]
    print(table(headers, trip_rows))


if __name__ == "__main__":
    main()
