"""Keto's own CLI (v25.4.0, gRPC) runs the seed's Keto commands against Roost.

The ``keto`` binary is not in this repository: set ``ROOST_TEST_KETO`` to it
or put it on ``PATH``; without it these tests skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.server import Server

KETO = os.environ.get("ROOST_TEST_KETO") or shutil.which("keto")
pytestmark = pytest.mark.skipif(
    not KETO, reason="Keto's CLI is not available (set ROOST_TEST_KETO to a keto v25.4.0 binary)"
)
SEED_TUPLE = {
    "namespace": "documents",
    "object": "doc-123",
    "relation": "viewer",
    "subject_id": "user:alice",
}
INSECURE = "--insecure-disable-transport-security"


def keto(server: Server, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert KETO
    env = {
        **os.environ,
        "KETO_READ_REMOTE": server.urls["read"].removeprefix("http://"),
        "KETO_WRITE_REMOTE": server.urls["write"].removeprefix("http://"),
    }
    return subprocess.run(
        [KETO, *args, INSECURE],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )


def test_seed_commands(seed_server: Server, tmp_path: Path) -> None:
    # the seed: echo '{...}' | keto relation-tuple create /dev/stdin ...
    made = keto(seed_server, "relation-tuple", "create", "/dev/stdin", stdin=json.dumps(SEED_TUPLE))
    assert made.returncode == 0, made.stderr
    assert "doc-123" in made.stdout

    got = keto(seed_server, "relation-tuple", "get", "--namespace", "documents", "--format", "json")
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["relation_tuples"] == [SEED_TUPLE]

    expanded = keto(seed_server, "expand", "viewer", "documents", "doc-123", "--format", "json")
    assert expanded.returncode == 0, expanded.stderr
    tree = json.loads(expanded.stdout)
    assert tree["type"] == "union"
    assert tree["children"][0]["tuple"]["subject_id"] == "user:alice"

    # a subject with ":" is a subject set in Keto's CLI; namespace "user" is unknown
    seed_check = keto(seed_server, "check", "user:alice", "viewer", "documents", "doc-123")
    assert seed_check.returncode != 0
    assert "code = NotFound" in seed_check.stderr
    denied = keto(seed_server, "check", "alice", "viewer", "documents", "doc-123")
    assert (denied.returncode, denied.stdout.strip()) == (0, "Denied")

    (tmp_path / "t.json").write_text(json.dumps(SEED_TUPLE))
    deleted = keto(seed_server, "relation-tuple", "delete", str(tmp_path / "t.json"))
    assert deleted.returncode == 0, deleted.stderr
    after = keto(
        seed_server, "relation-tuple", "get", "--namespace", "documents", "--format", "json"
    )
    assert json.loads(after.stdout)["relation_tuples"] == []


def test_allowed_check_and_delete_all(seed_server: Server) -> None:
    t = {**SEED_TUPLE, "object": "doc-cli", "subject_id": "alice"}
    assert (
        keto(seed_server, "relation-tuple", "create", "/dev/stdin", stdin=json.dumps(t)).returncode
        == 0
    )
    allowed = keto(seed_server, "check", "alice", "viewer", "documents", "doc-cli")
    assert (allowed.returncode, allowed.stdout.strip()) == (0, "Allowed")
    wiped = keto(seed_server, "relation-tuple", "delete-all", "--namespace", "documents", "--force")
    assert wiped.returncode == 0, wiped.stderr
    assert (
        keto(seed_server, "check", "alice", "viewer", "documents", "doc-cli").stdout.strip()
        == "Denied"
    )


def test_status_and_unknown_namespace(seed_server: Server) -> None:
    status = keto(seed_server, "status")
    assert (status.returncode, status.stdout.strip()) == (0, "SERVING")
    missing = keto(seed_server, "relation-tuple", "get", "--namespace", "nope")
    assert missing.returncode != 0
    assert "code = NotFound desc = The requested resource could not be found" in missing.stderr
