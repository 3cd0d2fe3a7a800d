"""The seed tutorial's Keto CLI steps, through ``roost permissions`` against a real server.

Create, delete, errors and namespaces through the CLI are cases of
``tests/e2e/test_permissions.py``; here: the seed's steps, output formats and
Keto's CLI quirks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.server import Server


def roost(
    server: Server, *args: str, stdin: str = "", ok: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KETO_READ_REMOTE": server.urls["read"],
        "KETO_WRITE_REMOTE": server.urls["write"],
    }
    proc = subprocess.run(
        [sys.executable, "-m", "roost", "permissions", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_seed_steps(seed_server: Server) -> None:
    tuple_json = (
        '{"namespace":"documents","object":"doc-123","relation":"viewer","subject_id":"user:alice"}'
    )
    out = roost(
        seed_server,
        "relation-tuple",
        "create",
        "/dev/stdin",
        "--insecure-disable-transport-security",
        stdin=tuple_json,
    )
    assert "doc-123" in out.stdout
    got = roost(
        seed_server, "relation-tuple", "get", "--namespace", "documents", "--format", "json"
    )
    data = json.loads(got.stdout)
    assert [t["subject_id"] for t in data["relation_tuples"]] == ["user:alice"]
    # Keto's CLI reads a subject containing ':' as a subject set, so grant one too
    roost(
        seed_server,
        "relation-tuple",
        "create",
        "-",
        stdin=json.dumps(
            {
                "namespace": "documents",
                "object": "/photos/beach.jpg",
                "relation": "viewer",
                "subject_set": {"namespace": "users", "object": "alice", "relation": ""},
            }
        ),
    )
    check = roost(
        seed_server,
        "check",
        "users:alice",
        "viewer",
        "documents",
        "/photos/beach.jpg",
        "--insecure-disable-transport-security",
    )
    assert check.stdout.strip() == "Allowed"
    # as in Keto, "user:alice" is the subject set user:alice# here, not the subject id
    seed = roost(seed_server, "check", "user:alice", "viewer", "documents", "doc-123")
    assert seed.stdout.strip() == "Denied"
    denied = roost(seed_server, "check", "bob", "viewer", "documents", "/photos/beach.jpg")
    assert denied.stdout.strip() == "Denied"
    tree = roost(seed_server, "expand", "viewer", "documents", "doc-123", "--format", "json")
    assert json.loads(tree.stdout)["children"][0]["tuple"]["subject_id"] == "user:alice"
    text = roost(seed_server, "expand", "viewer", "documents", "doc-123")
    assert "user:alice" in text.stdout
    empty = roost(
        seed_server,
        "expand",
        "viewer",
        "documents",
        "photos",
        "--insecure-disable-transport-security",
    )
    assert "empty tree" in empty.stdout


def test_bad_json_is_reported(seed_server: Server) -> None:
    bad = roost(seed_server, "relation-tuple", "create", "-", stdin="{nope", ok=False)
    assert bad.returncode != 0 and "not valid JSON" in bad.stderr


@pytest.mark.parametrize("fmt", ["json", "json-pretty"])
def test_namespace_list(seed_server: Server, fmt: str) -> None:
    out = roost(seed_server, "namespace", "list", "--format", fmt)
    assert [n["name"] for n in json.loads(out.stdout)["namespaces"]] == [
        "default_namespace",
        "documents",
        "users",
    ]
