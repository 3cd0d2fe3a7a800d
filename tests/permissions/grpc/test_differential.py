"""The same Keto CLI calls against real Keto v0.13.0-alpha.0 and against Roost give the
same output, exit code and gRPC errors (seed namespaces; Roost on SQLite and PostgreSQL).

Real Keto is the binary of tests.support.keto serving on free loopback ports with
``dsn: memory`` (its in-memory SQLite), a fresh one for each Roost backend.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import BACKENDS
from tests.permissions.conftest import SEED_NAMESPACES, serve_permissions
from tests.permissions.grpc.test_keto_cli import SEED_TUPLE, keto
from tests.support.keto import keto_binary
from tests.support.server import Server, free_port

ALICE_TUPLE = {**SEED_TUPLE, "subject_id": "alice"}
# write, list, check allowed/denied, expand, delete, check again, and the errors
CASES: list[tuple[str, ...]] = [
    ("relation-tuple", "create", "SEED"),
    ("relation-tuple", "get", "--namespace", "documents"),
    ("relation-tuple", "get", "--namespace", "documents", "--format", "json"),
    ("relation-tuple", "get", "--namespace", "documents", "--subject-id", "user:alice"),
    ("check", "user:alice", "viewer", "documents", "doc-123"),
    ("check", "alice", "viewer", "documents", "doc-123"),
    ("expand", "viewer", "documents", "doc-123"),
    ("expand", "viewer", "documents", "doc-123", "--format", "json"),
    ("relation-tuple", "create", "ALICE"),
    ("check", "alice", "viewer", "documents", "doc-123"),
    ("check", "bob", "viewer", "documents", "doc-123"),
    ("check", "alice", "viewer", "documents", "doc-123", "--max-depth", "1"),
    ("expand", "viewer", "documents", "doc-123", "--format", "json"),
    ("relation-tuple", "get", "--namespace", "documents", "--format", "json"),
    ("relation-tuple", "delete", "SEED"),
    ("relation-tuple", "get", "--namespace", "documents", "--format", "json"),
    ("check", "alice", "viewer", "documents", "doc-123"),
    ("relation-tuple", "delete", "ALICE"),
    ("check", "alice", "viewer", "documents", "doc-123"),
    ("expand", "viewer", "documents", "doc-none", "--format", "json"),
    ("expand", "viewer", "documents", "photos"),  # the seed's two calls, verbatim
    ("check", "user:alice", "viewer", "documents", "/photos/beach.jpg"),
    ("relation-tuple", "create", "SEED"),
    ("relation-tuple", "delete-all", "--namespace", "documents", "--force"),
    ("relation-tuple", "get", "--namespace", "documents", "--format", "json"),
    ("relation-tuple", "get", "--namespace", "nope"),
    ("check", "alice", "viewer", "nope", "doc-123"),
    ("check", "users:alice", "viewer", "documents", "doc-123"),
    ("expand", "viewer", "nope", "doc-none"),
    ("status",),
]


class RealKeto:
    """Real Keto on free loopback ports, shaped like a test Server for ``keto()``."""

    def __init__(self, tmp: Path) -> None:
        binary = str(keto_binary())
        ports = {p: free_port() for p in ("read", "write", "opl", "metrics")}
        confdir = tmp / "config"  # Keto watches its config folder: keep the log out
        confdir.mkdir(parents=True)
        cfg = confdir / "keto.yaml"
        cfg.write_text(
            yaml.safe_dump(
                {
                    "dsn": "memory",
                    "namespaces": SEED_NAMESPACES,
                    "serve": {k: {"host": "127.0.0.1", "port": v} for k, v in ports.items()},
                    "log": {"level": "warn"},
                }
            )
        )
        env = {**os.environ, "SQA_OPT_OUT": "true"}  # no usage reports from tests
        self.proc = subprocess.Popen(
            [binary, "serve", "-c", str(cfg)],
            stdout=(tmp / "keto.log").open("wb"),
            stderr=subprocess.STDOUT,
            env=env,
        )
        self.urls = {k: f"http://127.0.0.1:{v}" for k, v in ports.items()}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.urls["read"] + "/health/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("keto did not become ready")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope="module", params=BACKENDS)
def servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RealKeto, Server]]:
    roost = serve_permissions(
        tmp_path_factory.mktemp(f"keto-roost-{request.param}"),
        request.param,
        {"namespaces": SEED_NAMESPACES},
    )
    try:
        real = RealKeto(tmp_path_factory.mktemp("keto-real"))
        try:
            yield real, roost
        finally:
            real.stop()
    finally:
        roost.stop()


def _normalised(stdout: str) -> Any:
    """Order-free JSON: Keto lists tuples and expand children in storage order (its
    rows are keyed by random UUIDs), which neither server promises; all else is kept."""
    try:
        value = json.loads(stdout)
    except json.JSONDecodeError:
        return stdout
    return _sorted(value)


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_sorted(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _outcome(server: RealKeto | Server, case: tuple[str, ...], files: dict[str, Path]) -> Any:
    done = keto(server, *[str(files[a]) if a in files else a for a in case])
    # cobra prints usage after an error: compare the error lines only
    err = [line for line in done.stderr.splitlines() if "rpc error" in line or "Error" in line]
    return done.returncode, _normalised(done.stdout), err


def test_same_answers(servers: tuple[RealKeto, Server], tmp_path: Path) -> None:
    real, roost = servers
    files = {"SEED": tmp_path / "seed.json", "ALICE": tmp_path / "alice.json"}
    files["SEED"].write_text(json.dumps(SEED_TUPLE))
    files["ALICE"].write_text(json.dumps(ALICE_TUPLE))
    differences, wants = [], []
    for case in CASES:
        want = _outcome(real, case, files)
        got = _outcome(roost, case, files)
        wants.append(want)
        if want != got:
            differences.append((case, want, got))
    assert not differences
    # the answers compared are real ones (allowed, denied, NotFound), not two equal failures
    checks = [
        w[:2]
        for c, w in zip(CASES, wants, strict=True)
        if c[:2] == ("check", "alice") and c[3] == "documents"
    ]
    denied, allowed = (0, "Denied\n"), (0, "Allowed\n")  # the 3rd: --max-depth 1, as Keto
    assert checks == [denied, allowed, denied, allowed, denied]
    assert wants[CASES.index(("status",))][:2] == (0, "SERVING\n")
    assert (
        "code = NotFound"
        in wants[CASES.index(("relation-tuple", "get", "--namespace", "nope"))][2][0]
    )
