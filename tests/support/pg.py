"""Throwaway PostgreSQL databases for tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def plain_dsn(dsn: str) -> str:
    """An Ory-style DSN as asyncpg takes it (no query parameters)."""
    parts = urlsplit(dsn)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


_plain = plain_dsn


def create_database(admin_dsn: str, template: str | None = None) -> str:
    """Create a database (empty, or a copy of database ``template``); its Ory-style DSN."""
    name = f"roost_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""

    async def run() -> None:
        conn = await asyncpg.connect(_plain(admin_dsn))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"{copy}')
        finally:
            await conn.close()

    run_blocking(run)
    parts = urlsplit(admin_dsn)
    return urlunsplit(("postgres", parts.netloc, f"/{name}", parts.query, ""))


def database_name(dsn: str) -> str:
    """The database a DSN names."""
    return urlsplit(dsn).path.lstrip("/")


def run_blocking(fn: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``fn()`` to completion, also from code called inside a running event loop."""
    asyncio.run(fn()) if not _loop_running() else _in_thread(fn)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _in_thread(fn: Callable[[], Coroutine[Any, Any, None]]) -> None:
    import threading

    error: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(fn())
        except BaseException as exc:
            error.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if error:
        raise error[0]
