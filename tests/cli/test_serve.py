"""``roost serve`` / ``roost migrate``: configuration handling and start-up behaviour."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tests.conftest import new_dsn
from tests.support.server import free_port, start_server

SEED_KETO_CONFIG = {
    "serve": {"read": {"port": 4466}, "write": {"port": 4467}},
    "namespaces": [
        {"id": 0, "name": "default_namespace"},
        {"id": 1, "name": "documents"},
        {"id": 2, "name": "users"},
    ],
    "dsn": "cockroach://ory:securepass@crdb.example:26257/keto?sslmode=disable",
}


def roost(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "roost", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"dsn": "memory", "bogus": 1}, "'bogus' was unexpected"),
        ({"dsn": "memory", "limit": {"max_read_depth": "deep"}}, "limit.max_read_depth"),
        ({"dsn": "memory", "serve": {"read": {"port": 70000}}}, "serve.read.port"),
        ({"dsn": "mysql://u@h/db"}, "unsupported DSN scheme"),
        ({"dsn": "memory", "namespaces": {"location": "file:///nonexistent.ts"}}, "cannot read"),
    ],
)
def test_bad_config_stops_startup_naming_the_key(
    tmp_path: Path, config: dict[str, object], fragment: str
) -> None:
    cfg = tmp_path / "keto.yaml"
    cfg.write_text(yaml.safe_dump(config))
    proc = roost("serve", "permissions", "--config", str(cfg), cwd=tmp_path)
    assert proc.returncode != 0
    assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr


def test_roost_file_with_unknown_block(tmp_path: Path) -> None:
    cfg = tmp_path / "roost.yaml"
    cfg.write_text(yaml.safe_dump({"permissions": {"dsn": "memory"}, "hydra": {}}))
    # not a roost.yaml (unknown top-level key) and no service named: refused with a hint
    proc = roost("serve", "--config", str(cfg), cwd=tmp_path)
    assert proc.returncode != 0 and "name the service" in proc.stderr


def test_known_but_unimplemented_key_warns(tmp_path: Path) -> None:
    server = start_server(
        tmp_path,
        {"dsn": new_dsn("sqlite", tmp_path), "profiling": "cpu"},
    )
    server.stop()
    assert "'profiling' is not implemented" in server.log.read_text()


def test_seed_helm_block_in_roost_yaml_with_env_override(tmp_path: Path) -> None:
    """The seed's `keto.config` pastes into a roost.yaml block; env vars override it."""
    read, write, opl = free_port(), free_port(), free_port()
    block = {
        **SEED_KETO_CONFIG,
        "serve": {
            "read": {"host": "127.0.0.1", "port": 1},
            "write": {"host": "127.0.0.1", "port": write},
            "opl": {"host": "127.0.0.1", "port": opl},
        },
    }
    cfg = tmp_path / "roost.yaml"
    cfg.write_text(yaml.safe_dump({"permissions": block}))
    env = {
        "ROOST_PERMISSIONS_DSN": new_dsn("sqlite", tmp_path),
        "ROOST_PERMISSIONS_SERVE_READ_PORT": str(read),
        "ROOST_PERMISSIONS_LIMIT_MAX_BATCH_CHECK_SIZE": "2",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "roost",
            "serve",
            "--config",
            str(cfg),
            "--data-dir",
            str(tmp_path / "d"),
        ],
        cwd=tmp_path,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{read}"
        _wait_ready(url, proc)
        names = [n["name"] for n in httpx.get(f"{url}/namespaces").json()["namespaces"]]
        assert names == ["default_namespace", "documents", "users"]
        t = {"namespace": "documents", "object": "o", "relation": "r", "subject_id": "s"}
        r = httpx.post(f"{url}/relation-tuples/batch/check", json={"tuples": [t, t, t]})
        assert r.status_code == 400 and "max size of 2" in r.text
    finally:
        proc.terminate()
        proc.wait(10)


def _wait_ready(
    url: str, proc: subprocess.Popen[bytes], path: str = "/health/ready"
) -> httpx.Response:
    deadline = time.monotonic() + 30
    last: httpx.Response | None = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            last = httpx.get(url + path, timeout=1)
            if last.status_code == 200:
                return last
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"not ready: {last.text if last else 'no answer'}")


def _keto_config(tmp_path: Path, dsn: str) -> tuple[Path, str]:
    """A keto.yaml for ``dsn`` on free loopback ports, and its read URL."""
    port, write, opl = free_port(), free_port(), free_port()
    cfg = tmp_path / "keto.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "dsn": dsn,
                "namespaces": [{"name": "documents"}],
                "serve": {
                    "read": {"host": "127.0.0.1", "port": port},
                    "write": {"host": "127.0.0.1", "port": write},
                    "opl": {"host": "127.0.0.1", "port": opl},
                },
            }
        )
    )
    return cfg, f"http://127.0.0.1:{port}"


def _serve_unmigrated(tmp_path: Path, cfg: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "roost",
            "serve",
            "permissions",
            "--config",
            str(cfg),
            "--no-automigrate",
            "--data-dir",
            str(tmp_path / "d"),
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_no_automigrate_is_unready_until_migrated(tmp_path: Path, backend: str) -> None:
    cfg, url = _keto_config(tmp_path, new_dsn(backend, tmp_path))
    status = roost("migrate", "status", "permissions", "--config", str(cfg), cwd=tmp_path)
    assert status.returncode == 1 and "Pending" in status.stdout
    proc = _serve_unmigrated(tmp_path, cfg)
    try:
        _wait_ready(url, proc, "/health/alive")
        ready = httpx.get(f"{url}/health/ready")
        assert ready.status_code == 503 and "migrations" in ready.json()["errors"]
        assert (
            httpx.get(f"{url}/relation-tuples", params={"namespace": "documents"}).status_code
            == 503
        )
        up = roost("migrate", "up", "permissions", "--config", str(cfg), "--yes", cwd=tmp_path)
        assert up.returncode == 0, up.stderr
        _wait_ready(url, proc)
        assert (
            httpx.get(f"{url}/relation-tuples", params={"namespace": "documents"}).status_code
            == 200
        )
    finally:
        proc.terminate()
        proc.wait(10)
    status = roost("migrate", "status", "permissions", "--config", str(cfg), cwd=tmp_path)
    assert status.returncode == 0 and "Pending" not in status.stdout


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def test_serve_without_arguments_uses_ory_ports_and_seed_namespaces(tmp_path: Path) -> None:
    if not all(_port_free(p) for p in (4466, 4467, 4469)):
        pytest.skip("Keto's default ports are in use on this machine")
    proc = subprocess.Popen(
        [sys.executable, "-m", "roost", "serve"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_ready("http://127.0.0.1:4466", proc)
        names = [
            n["name"] for n in httpx.get("http://127.0.0.1:4466/namespaces").json()["namespaces"]
        ]
        assert names == ["default_namespace", "documents", "users"]
        assert (tmp_path / "roost-data" / "secrets.json").stat().st_mode & 0o077 == 0
    finally:
        proc.terminate()
        proc.wait(10)


def test_ready_fails_while_the_database_is_unreachable(tmp_path: Path) -> None:
    closed = free_port()  # nothing listens there
    cfg, url = _keto_config(tmp_path, f"postgres://nobody@127.0.0.1:{closed}/keto?sslmode=disable")
    proc = _serve_unmigrated(tmp_path, cfg)
    try:
        _wait_ready(url, proc, "/health/alive")
        ready = httpx.get(f"{url}/health/ready")
        assert ready.status_code == 503 and "database" in ready.json()["errors"]
        r = httpx.get(f"{url}/relation-tuples", params={"namespace": "documents"})
        assert r.status_code == 503 and r.json()["error"]["code"] == 503
    finally:
        proc.terminate()
        proc.wait(10)
