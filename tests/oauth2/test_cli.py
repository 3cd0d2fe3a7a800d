"""``roost oauth2`` commands beyond the seed flow: get, list, update, delete, keys, revoke."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx

from tests.oauth2.conftest import Hydra


def roost(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "roost", "oauth2", *args], capture_output=True, text=True, timeout=60
    )
    assert (proc.returncode == 0) == ok, proc.stderr
    return proc


def test_client_lifecycle_and_tokens(hydra_sqlite: Hydra) -> None:
    admin, public = hydra_sqlite.admin, hydra_sqlite.public
    created = json.loads(
        roost(
            "create", "client", "-e", admin, "--format", "json", "--name", "cli",
            "-g", "client_credentials", "--scope", "read,write", "--audience", "https://api.example",
            "--secret", "a-chosen-secret", "--redirect-uri", "https://app.example/cb",
        ).stdout
    )  # fmt: skip
    cid = created["client_id"]
    assert created["client_secret"] == "a-chosen-secret" and created["scope"] == "read write"
    table = roost("get", "oauth2-client", "-e", admin, cid).stdout
    assert f"CLIENT ID\t{cid}" in table and "CLIENT SECRET\t<empty>" in table
    listed = roost("list", "oauth2-clients", "-e", admin, "--format", "json").stdout
    assert cid in [c["client_id"] for c in json.loads(listed)["items"]]
    updated = json.loads(
        roost(
            "update", "oauth2-client", cid, "-e", admin, "--format", "json", "--name", "renamed",
            "-g", "client_credentials", "--scope", "read",
        ).stdout
    )  # fmt: skip
    assert updated["client_name"] == "renamed" and updated["scope"] == "read"

    out = roost(
        "perform", "client-credentials", "-e", public, "--client-id", cid,
        "--client-secret", "a-chosen-secret", "--scope", "read", "--format", "json",
    ).stdout  # fmt: skip
    token = json.loads(out)["access_token"]
    info = json.loads(roost("introspect", "token", "-e", admin, "--format", "json", token).stdout)
    assert info["active"] and info["scope"] == "read"
    roost("revoke", "token", "-e", public, "--client-id", cid, "--client-secret", "a-chosen-secret",
          token)  # fmt: skip
    info = json.loads(roost("introspect", "token", "-e", admin, "--format", "json", token).stdout)
    assert info == {"active": False}

    second = json.loads(
        roost("perform", "client-credentials", "-e", public, "--client-id", cid,
              "--client-secret", "a-chosen-secret", "--format", "json").stdout
    )["access_token"]  # fmt: skip
    roost("delete", "access-tokens", "-e", admin, cid)
    assert httpx.post(f"{admin}/admin/oauth2/introspect", data={"token": second}).json() == {
        "active": False
    }
    roost("delete", "oauth2-client", "-e", admin, cid)
    failed = roost("get", "oauth2-client", "-e", admin, cid, ok=False)
    assert "404" in failed.stderr and "Traceback" not in failed.stderr


def test_json_web_key_commands(hydra_sqlite: Hydra) -> None:
    admin = hydra_sqlite.admin
    created = roost(
        "create", "jwks", "cli-set", "k1", "--alg", "ES256", "-e", admin, "--format", "json"
    )
    keys = json.loads(created.stdout)["keys"]
    assert keys[0]["kid"] == "k1" and keys[0]["crv"] == "P-256"
    assert "k1\tES256" in roost("get", "jwk", "cli-set", "-e", admin).stdout
    roost("delete", "jwk", "cli-set", "-e", admin)
    assert httpx.get(f"{admin}/admin/keys/cli-set").status_code == 404


def test_bad_flags_are_reported_cleanly(hydra_sqlite: Hydra) -> None:
    failed = roost(
        "create", "oauth2-client", "-e", hydra_sqlite.admin, "--secret", "short", ok=False
    )
    assert "invalid_client_metadata" in failed.stderr and "Traceback" not in failed.stderr
    unreachable = roost("get", "oauth2-client", "-e", "http://127.0.0.1:1", "x", ok=False)
    assert "cannot reach" in unreachable.stderr


def test_janitor_command(hydra_sqlite: Hydra) -> None:
    out = roost("janitor", hydra_sqlite.dsn).stdout
    assert out.startswith("Removed ") and "expired token row(s)" in out
