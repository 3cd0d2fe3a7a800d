"""Keto's own CLI (v0.13.0-alpha.0, gRPC) runs the seed's Keto commands against Roost.

The ``keto`` binary is built outside the repository from Go modules
(tests.support.keto; ``ROOST_TEST_KETO`` names another); without Go or the
module proxy these tests skip with one line, under ``CI=true`` they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Protocol

from tests.support.keto import keto_binary
from tests.support.server import Server

SEED_TUPLE = {
    "namespace": "documents",
    "object": "doc-123",
    "relation": "viewer",
    "subject_id": "user:alice",
}
INSECURE = "--insecure-disable-transport-security"


class Remotes(Protocol):
    """What the CLI needs of a server: its read and write URLs (Roost's or real Keto's)."""

    urls: dict[str, str]


def keto(server: Remotes, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run Keto's CLI against ``server``'s gRPC ports, the way the seed does."""
    env = {
        **os.environ,
        "KETO_READ_REMOTE": server.urls["read"].removeprefix("http://"),
        "KETO_WRITE_REMOTE": server.urls["write"].removeprefix("http://"),
    }
    return subprocess.run(
        [str(keto_binary()), *args, INSECURE],
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
    # the seed's check, verbatim (an object it never wrote): the same answer
    seed_verbatim = keto(
        seed_server, "check", "user:alice", "viewer", "documents", "/photos/beach.jpg"
    )
    assert seed_verbatim.returncode != 0
    assert "code = NotFound" in seed_verbatim.stderr
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
