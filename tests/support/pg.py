"""Throwaway PostgreSQL databases for tests."""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def plain_dsn(dsn: str) -> str:
    """An Ory-style DSN as asyncpg takes it (no query parameters)."""
    parts = urlsplit(dsn)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


_plain = plain_dsn


def create_database(admin_dsn: str) -> str:
    """Create an empty database and return an Ory-style DSN for it."""
    name = f"roost_{uuid.uuid4().hex[:12]}"

    async def run() -> None:
        conn = await asyncpg.connect(_plain(admin_dsn))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(run()) if not _loop_running() else _in_thread(run)
    parts = urlsplit(admin_dsn)
    return urlunsplit(("postgres", parts.netloc, f"/{name}", parts.query, ""))


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _in_thread(fn: object) -> None:
    import threading

    error: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(fn())  # type: ignore[operator]
        except BaseException as exc:
            error.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if error:
        raise error[0]
