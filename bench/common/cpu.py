"""CPU time of the server and database processes, read from /proc.

On a shared 2-core machine req/s follows the CPU share the scheduler grants,
while CPU time per request stays put; benchmarks report both.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable
from pathlib import Path


def _cpu_seconds(pid: int) -> float:
    """CPU time of every thread of a live process, from schedstat (nanoseconds)."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total / 1e9


def _reaped_seconds(pid: int) -> float:
    """CPU time of the process's exited, reaped children (cutime + cstime)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        try:
            for tid in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except FileNotFoundError:
            continue
    return out


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process tree, counting children that already exited."""
    return _reaped_seconds(pid) + sum(_cpu_seconds(p) for p in process_tree(pid))


def postmaster_pid(cluster_dir: str) -> int:
    """The PostgreSQL postmaster of a throwaway cluster (scripts/pg-throwaway.sh)."""
    return int((Path(cluster_dir) / "data/postmaster.pid").read_text().split()[0])


def local_postmaster(dsn: str) -> int | None:
    """The postmaster behind ``dsn`` when it runs on this machine, else ``None``."""
    import asyncio

    import asyncpg

    async def parent_of_backend() -> int:
        conn = await asyncpg.connect(dsn.replace("postgres://", "postgresql://").split("?")[0])
        try:  # read while the backend lives: it exits with the connection
            backend = int(await conn.fetchval("SELECT pg_backend_pid()"))
            stat = Path(f"/proc/{backend}/stat").read_text()  # noqa: ASYNC240 (a /proc file)
            return int(stat.rsplit(")", 1)[1].split()[1])
        finally:
            await conn.close()

    try:
        return asyncio.run(parent_of_backend())
    except (OSError, asyncpg.PostgresError):
        return None


def children_cpu() -> float:
    """CPU seconds of this process's reaped children (a finished wrk run, say)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def server_and_db(pid: int, postmaster: int | None) -> Callable[[], tuple[float, float | None]]:
    """A probe of CPU seconds so far: the server's process tree and, when it is
    local and known, the database's (what ``bench.common.wrk.with_cpu`` reads)."""

    def cpu() -> tuple[float, float | None]:
        return tree_cpu(pid), tree_cpu(postmaster) if postmaster else None

    return cpu
