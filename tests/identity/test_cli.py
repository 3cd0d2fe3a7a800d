"""``roost identity``: import, get, list, delete, whoami and cleanup against a real server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import text

from roost.cli.main import cli
from roost.storage.database import Database
from tests.identity.conftest import Kratos, email
from tests.identity.credentials.test_hashing import KRATOS_VECTORS
from tests.identity.test_seed_flow import login


def run(*args: str, stdin: str | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_import_get_list_whoami_delete(kratos: Kratos, tmp_path: Path) -> None:
    admin = kratos.server.urls["admin"]
    hashed, password = KRATOS_VECTORS[1]
    a, b = email(), email()
    bodies = [
        {
            "schema_id": "default",
            "traits": {"email": a},
            "credentials": {"password": {"config": {"hashed_password": hashed}}},
        },
        {"schema_id": "default", "traits": {"email": b}},
    ]
    (tmp_path / "ids.json").write_text(json.dumps(bodies))
    created = json.loads(
        run(
            "identity",
            "import",
            "identities",
            str(tmp_path / "ids.json"),
            "-e",
            admin,
            "--format",
            "json",
        )
    )
    assert [c["traits"]["email"] for c in created] == [a, b]
    single = json.loads(
        run(
            "identity",
            "import",
            "identities",
            "-",
            "-e",
            admin,
            "--format",
            "json",
            stdin=json.dumps({"schema_id": "default", "traits": {"email": email()}}),
        )
    )
    assert single["schema_id"] == "default"

    got = json.loads(
        run(
            "identity",
            "get",
            "identity",
            created[0]["id"],
            "-i",
            "password",
            "-e",
            admin,
            "--format",
            "json",
        )
    )
    assert got["credentials"]["password"]["config"]["hashed_password"] == hashed
    table = run("identity", "get", "identity", created[0]["id"], "-e", admin)
    assert created[0]["id"] in table and a in table

    listed = json.loads(run("identity", "list", "identities", "-e", admin, "--format", "json"))
    assert {created[0]["id"], created[1]["id"]} <= {i["id"] for i in listed}

    token = login(kratos, a, password).session_token
    who = json.loads(
        run(
            "identity",
            "whoami",
            "--session-token",
            token,
            "-e",
            kratos.server.urls["public"],
            "--format",
            "json",
        )
    )
    assert who["identity"]["id"] == created[0]["id"]

    assert created[1]["id"] in run("identity", "delete", "identity", created[1]["id"], "-e", admin)
    failed = CliRunner().invoke(cli, ["identity", "get", "identity", created[1]["id"], "-e", admin])
    assert failed.exit_code != 0 and "404" in failed.output


def test_cleanup_removes_expired_rows_in_batches(kratos: Kratos) -> None:
    for _ in range(3):
        kratos.frontend.create_native_login_flow()

    async def expire_and_count(expire: bool) -> int:
        db = Database(kratos.dsn)
        try:
            async with db.engine.begin() as conn:
                if expire:
                    await conn.execute(
                        text("UPDATE selfservice_login_flows SET expires_at = issued_at")
                    )
                value = await conn.scalar(
                    text(
                        "SELECT count(*) FROM selfservice_login_flows WHERE expires_at <= issued_at"
                    )
                )
                return int(value or 0)
        finally:
            await db.close()

    assert asyncio.run(expire_and_count(True)) >= 3
    out = run("identity", "cleanup", "--dsn", kratos.dsn, "--batch-size", "2")
    assert "removed" in out
    assert asyncio.run(expire_and_count(False)) == 0


def test_migrate_status_and_up(tmp_path: Path) -> None:
    cfg = tmp_path / "kratos.yaml"
    cfg.write_text(f"dsn: sqlite:///{tmp_path / 'k.sqlite'}\n")
    args = ["--config", str(cfg), "--data-dir", str(tmp_path / "data")]
    pending = CliRunner().invoke(cli, ["migrate", "status", "identity", *args])
    assert pending.exit_code == 1 and "Pending" in pending.output
    assert "up to date" in run("migrate", "up", "identity", *args, "--yes")
    done = CliRunner().invoke(cli, ["migrate", "status", "identity", *args])
    assert done.exit_code == 0 and "identity_credential_types_seed" in done.output
