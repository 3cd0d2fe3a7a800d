"""The ``roost`` command as a newcomer meets it, run as a real subprocess (issue 9, item 7).

A database that is not up yet, a missing folder or file, a database that does
not exist: one line on stderr naming the problem, exit code 1, no traceback
and no password. Kratos's nouns (``get identity``, ``list identities``, ...)
work as in Kratos's CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import postgres_admin_dsn
from tests.identity.conftest import serve_identity
from tests.support.server import free_port


def roost(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m roost ARGS`` (this checkout's code, through the inherited PYTHONPATH)."""
    return subprocess.run(
        [sys.executable, "-m", "roost", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str], *names: str) -> str:
    """The failure was reported as exactly one line naming ``names``."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def _config(tmp_path: Path, service: str, dsn: str) -> str:
    path = tmp_path / "roost.yaml"
    path.write_text(f"{service}:\n  dsn: {dsn}\n")
    return str(path)


@pytest.mark.parametrize("command", ["migrate up", "migrate status", "serve"])
def test_cockroach_dsn_before_the_cluster_exists(tmp_path: Path, command: str) -> None:
    port = free_port()  # nothing listens there: the seed's cluster is not up yet
    dsn = f"cockroach://root@127.0.0.1:{port}/keto?sslmode=disable"
    cfg = _config(tmp_path, "permissions", dsn)
    args = [*command.split(), "permissions", "--config", cfg, "--data-dir", str(tmp_path / "d")]
    line = one_line_error(roost(*args, cwd=tmp_path), "permissions", f"127.0.0.1:{port}")
    assert "connection refused" in line


def test_postgres_on_a_closed_port_hides_the_password(tmp_path: Path) -> None:
    dsn = f"postgres://hydra:s3cret-pw@127.0.0.1:{free_port()}/hydra?sslmode=disable"
    result = roost(
        "migrate", "up", "oauth2", "--config", _config(tmp_path, "oauth2", dsn), cwd=tmp_path
    )
    line = one_line_error(result, "oauth2", "connection refused", "hydra:***@")
    assert "s3cret-pw" not in result.stderr + result.stdout and line


def test_janitor_and_cleanup_name_the_dsn(tmp_path: Path) -> None:
    dsn = f"postgres://u:pw@127.0.0.1:{free_port()}/x"
    one_line_error(roost("oauth2", "janitor", dsn, cwd=tmp_path), "oauth2", "connection refused")
    one_line_error(
        roost("identity", "cleanup", "--dsn", dsn, cwd=tmp_path), "identity", "connection refused"
    )


def test_missing_data_folder(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    result = roost("migrate", "up", "identity", "--data-dir", str(missing), cwd=tmp_path)
    one_line_error(result, "identity", str(missing), "does not exist")
    assert not missing.exists()
    dsn = f"sqlite:///{missing / 'oauth2.sqlite'}"
    cfg = _config(tmp_path, "oauth2", dsn)
    result = roost(
        "serve", "oauth2", "--config", cfg, "--data-dir", str(tmp_path / "d"), cwd=tmp_path
    )
    one_line_error(result, "oauth2", str(missing), "does not exist")


def test_missing_files(tmp_path: Path) -> None:
    one_line_error(
        roost("migrate", "up", "--config", str(tmp_path / "nope.yaml"), cwd=tmp_path), "nope.yaml"
    )
    one_line_error(
        roost("identity", "import", "identities", str(tmp_path / "ids.json"), cwd=tmp_path),
        "ids.json",
        "No such file",
    )


def test_a_database_that_does_not_exist(tmp_path: Path) -> None:
    admin = postgres_admin_dsn()
    dsn = admin.rsplit("/", 1)[0] + "/no_such_database_here?sslmode=disable"
    result = roost(
        "migrate", "status", "oauth2", "--config", _config(tmp_path, "oauth2", dsn), cwd=tmp_path
    )
    one_line_error(result, "oauth2", 'database "no_such_database_here" does not exist')


def test_identity_commands_take_kratoss_nouns(tmp_path: Path) -> None:
    server = serve_identity(tmp_path / "kratos", "sqlite", {})
    try:
        admin = ["--endpoint", server.urls["admin"], "--format", "json"]
        body = {"schema_id": "default", "traits": {"email": "newcomer@example.com"}}
        created = roost(
            "identity", "import", "identities", "-", *admin, cwd=tmp_path, stdin=json.dumps(body)
        )
        assert created.returncode == 0, created.stderr
        identity_id = json.loads(created.stdout)["id"]

        got = roost("identity", "get", "identity", identity_id, *admin, cwd=tmp_path)
        assert got.returncode == 0 and json.loads(got.stdout)["id"] == identity_id
        listed = roost("identity", "list", "identities", *admin, cwd=tmp_path)
        assert listed.returncode == 0
        assert identity_id in {i["id"] for i in json.loads(listed.stdout)}
        deleted = roost("identity", "delete", "identity", identity_id, *admin[:2], cwd=tmp_path)
        assert deleted.returncode == 0 and identity_id in deleted.stdout

        gone = roost("identity", "get", "identity", identity_id, *admin, cwd=tmp_path)
        one_line_error(gone, "404")
        # The noun is the noun: never read as an id.
        bare = roost("identity", "get", identity_id, *admin, cwd=tmp_path)
        assert bare.returncode == 2 and "No such command" in bare.stderr
    finally:
        server.stop()


def test_an_unknown_failure_keeps_its_traceback() -> None:
    from roost.runtime.failures import describe

    assert describe(ValueError("a bug")) is None
    assert describe(KeyError("dsn")) is None
