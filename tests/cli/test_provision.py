"""``roost provision``: the seed's Step 2 on a real PostgreSQL, twice (idempotent)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit

import asyncpg
import pytest

from tests.conftest import postgres_admin_dsn


def test_provision_creates_databases_user_and_grants(tmp_path: object) -> None:
    admin = postgres_admin_dsn()
    suffix = uuid.uuid4().hex[:8]
    user = f"ory_{suffix}"
    dbs = [f"hydra_{suffix}", f"kratos_{suffix}", f"keto_{suffix}"]
    password = "pw'with\"quotes-" + suffix
    args = [sys.executable, "-m", "roost", "provision", "--admin-dsn", admin, "--user", user]
    for db in dbs:
        args += ["--database", db]
    env = {**os.environ, "ROOST_PROVISION_PASSWORD": password}
    for _ in range(2):
        proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
        assert proc.returncode == 0, proc.stderr
    assert password not in proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == dbs
    host = urlsplit(admin)

    async def as_user(db: str) -> None:
        conn = await asyncpg.connect(
            host=host.hostname, port=host.port, user=user, password=password, database=db
        )
        try:
            await conn.execute("CREATE TABLE probe (id UUID PRIMARY KEY)")
            await conn.execute("INSERT INTO probe VALUES (gen_random_uuid())")
        finally:
            await conn.close()

    for db in dbs:
        asyncio.run(as_user(db))


def test_provision_refuses_short_password_and_sqlite() -> None:
    admin = postgres_admin_dsn()
    env = {**os.environ, "ROOST_PROVISION_PASSWORD": "short"}
    proc = subprocess.run(
        [sys.executable, "-m", "roost", "provision", "--admin-dsn", admin],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode != 0 and "at least 8" in proc.stderr
    env["ROOST_PROVISION_PASSWORD"] = "long-enough-password"
    proc = subprocess.run(
        [sys.executable, "-m", "roost", "provision", "--admin-dsn", "sqlite:///x.db"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode != 0 and "PostgreSQL or CockroachDB" in proc.stderr


pytestmark = pytest.mark.postgres
