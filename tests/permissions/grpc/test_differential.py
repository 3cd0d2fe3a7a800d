"""The same Keto CLI calls against real Keto v25.4.0 and against Roost give the
same output, exit code and gRPC errors (both on PostgreSQL, seed namespaces).

Needs ``ROOST_TEST_KETO`` (a keto binary) and PostgreSQL; skips otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.conftest import new_dsn, postgres_admin_dsn
from tests.permissions.conftest import SEED_NAMESPACES, serve_permissions
from tests.permissions.grpc.test_keto_cli import KETO, SEED_TUPLE, keto
from tests.support.server import Server, free_port

pytestmark = pytest.mark.skipif(not KETO, reason="Keto's CLI/server binary is not available")

CASES: list[tuple[str, ...]] = [
    ("relation-tuple", "create", "TUPLE"),
    ("relation-tuple", "get", "--namespace", "documents"),
    ("relation-tuple", "get", "--namespace", "documents", "--format", "json"),
    ("relation-tuple", "get", "--namespace", "documents", "--subject-id", "user:alice"),
    ("relation-tuple", "get", "--namespace", "nope"),
    ("relation-tuple", "get"),
    ("check", "user:alice", "viewer", "documents", "doc-123"),
    ("check", "alice", "viewer", "documents", "doc-123"),
    ("check", "alice", "viewer", "nope", "doc-123"),
    ("check", "users:alice", "viewer", "documents", "doc-123"),
    ("check", "user:alice", "viewer", "documents", "doc-123", "--max-depth", "1"),
    ("expand", "viewer", "documents", "doc-123"),
    ("expand", "viewer", "documents", "doc-123", "--format", "json"),
    ("expand", "viewer", "documents", "doc-none", "--format", "json"),
    ("expand", "viewer", "nope", "doc-none"),
    ("status",),
    ("relation-tuple", "delete", "TUPLE"),
    ("relation-tuple", "get", "--namespace", "documents", "--format", "json"),
    ("relation-tuple", "create", "TUPLE"),
    ("relation-tuple", "delete-all", "--namespace", "documents", "--force"),
    ("relation-tuple", "get", "--namespace", "documents", "--format", "json"),
]


class Keto:
    """Real Keto on free loopback ports, shaped like a test Server for ``keto()``."""

    def __init__(self, tmp: Path) -> None:
        assert KETO
        ports = {p: free_port() for p in ("read", "write", "opl", "metrics")}
        confdir = tmp / "config"  # Keto watches its config folder: keep the log out
        confdir.mkdir(parents=True)
        cfg = confdir / "keto.yaml"
        cfg.write_text(
            yaml.safe_dump(
                {
                    "dsn": new_dsn("postgres", tmp),
                    "namespaces": SEED_NAMESPACES,
                    "serve": {k: {"host": "127.0.0.1", "port": v} for k, v in ports.items()},
                    "log": {"level": "warn"},
                }
            )
        )
        env = {**os.environ, "SQA_OPT_OUT": "true"}
        migrate = [KETO, "migrate", "up", "-y", "-c", str(cfg)]
        subprocess.run(migrate, check=True, env=env, capture_output=True, timeout=120)
        self.proc = subprocess.Popen(
            [KETO, "serve", "-c", str(cfg)],
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


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Keto, Server]]:
    postgres_admin_dsn()
    real = Keto(tmp_path_factory.mktemp("keto-real"))
    roost = serve_permissions(
        tmp_path_factory.mktemp("keto-roost"), "postgres", {"namespaces": SEED_NAMESPACES}
    )
    yield real, roost
    real.stop()
    roost.stop()


def _outcome(server: object, case: tuple[str, ...], tuple_file: Path) -> tuple[int, str, str]:
    args = [str(tuple_file) if a == "TUPLE" else a for a in case]
    done = keto(server, *args)  # type: ignore[arg-type]
    # cobra prints usage after an error: compare the error lines only
    err = [line for line in done.stderr.splitlines() if "rpc error" in line or "Error" in line]
    return done.returncode, done.stdout, "\n".join(err)


def test_same_answers(servers: tuple[Keto, Server], tmp_path: Path) -> None:
    real, roost = servers
    tuple_file = tmp_path / "tuple.json"
    tuple_file.write_text(json.dumps(SEED_TUPLE))
    differences = []
    for case in CASES:
        want = _outcome(real, case, tuple_file)
        got = _outcome(roost, case, tuple_file)
        if want != got:
            differences.append((case, want, got))
    assert not differences
