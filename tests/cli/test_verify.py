"""``roost verify`` against real servers: Roost on SQLite and PostgreSQL, and Ory Hydra v2.3.0.

The command runs as a subprocess with the seed's environment variables, as an
operator would run it after ``helm install``. Its own steps check what it
created is gone; the tests check again from the outside.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKENDS, postgres_admin_dsn
from tests.identity.conftest import serve_identity
from tests.oauth2.conftest import serve_oauth2
from tests.permissions.conftest import SEED_NAMESPACES, serve_permissions
from tests.support.pg import create_database
from tests.support.server import Server, free_port

HYDRA_BINARY = Path(os.environ.get("ROOST_TEST_HYDRA", "/work/tools/hydra"))
LINE = re.compile(r"^(PASS|FAIL)  (\S+): .*\s([\d.]+) ms$")


@dataclass
class Stack:
    """One Roost server per service, on one backend, with the seed's variables."""

    servers: dict[str, Server]
    dsns: dict[str, str]

    def env(self) -> dict[str, str]:
        u = {name: s.urls for name, s in self.servers.items()}
        return {
            "HYDRA_ADMIN_URL": u["oauth2"]["admin"],
            "HYDRA_PUBLIC_URL": u["oauth2"]["public"],
            "KRATOS_PUBLIC_URL": u["identity"]["public"],
            "KRATOS_ADMIN_URL": u["identity"]["admin"],
            "KETO_READ_REMOTE": u["permissions"]["read"],
            "KETO_WRITE_REMOTE": u["permissions"]["write"],
        }


@pytest.fixture(scope="module", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    backend = request.param
    tmp = tmp_path_factory.mktemp(f"verify-{backend}")
    hydra = serve_oauth2(tmp / "oauth2", backend)
    servers = {"oauth2": hydra.server}
    dsns = {"oauth2": hydra.dsn}
    try:
        kratos = serve_identity(tmp / "identity", backend, {})
        servers["identity"] = kratos
        dsns["identity"] = kratos.dsn  # type: ignore[attr-defined]
        keto = serve_permissions(tmp / "permissions", backend, {"namespaces": SEED_NAMESPACES})
        servers["permissions"] = keto
        dsns["permissions"] = keto.config["dsn"]
        yield Stack(servers, dsns)
    finally:
        for server in servers.values():
            server.stop()


def verify(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HYDRA_", "KRATOS_", "KETO_", "VERIFY_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "roost", "verify", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def outcomes(stdout: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in map(LINE.match, stdout.splitlines()) if m]


def test_every_step_passes_and_cleans_up(stack: Stack) -> None:
    done = verify(
        {
            **stack.env(),
            "VERIFY_HYDRA_DSN": stack.dsns["oauth2"],
            "VERIFY_KRATOS_DSN": stack.dsns["identity"],
            "VERIFY_KETO_DSN": stack.dsns["permissions"],
        }
    )
    assert done.returncode == 0, done.stdout + done.stderr
    steps = outcomes(done.stdout)
    assert {mark for mark, _ in steps} == {"PASS"}
    per_service = {svc: sum(1 for _, s in steps if s == svc) for svc in ("hydra", "kratos", "keto")}
    # hydra: 3 API steps + 2 SQL + clean-up; kratos: 4 + 1 + 1; keto: 4 + 1 + 1
    assert per_service == {"hydra": 6, "kratos": 6, "keto": 6}
    assert done.stdout.splitlines()[-1].startswith("18 passed, 0 failed in ")
    admin = stack.servers["oauth2"].urls["admin"]
    names = [c.get("client_name", "") for c in httpx.get(f"{admin}/admin/clients").json()]
    assert not [n for n in names if n.startswith("roost-verify-")]
    kadmin = stack.servers["identity"].urls["admin"]
    emails = [i["traits"].get("email", "") for i in httpx.get(f"{kadmin}/admin/identities").json()]
    assert not [e for e in emails if e.startswith("roost-verify-")]
    read = stack.servers["permissions"].urls["read"]
    tuples = httpx.get(f"{read}/relation-tuples", params={"namespace": "documents"}).json()
    assert not [t for t in tuples["relation_tuples"] if t["object"].startswith("roost-verify-")]


def test_a_failing_step_fails_the_run_and_still_cleans_up(stack: Stack) -> None:
    env = stack.env()
    env["KETO_READ_REMOTE"] = stack.servers["oauth2"].urls["public"]  # not a Keto read API
    done = verify({k: v for k, v in env.items() if not k.startswith("KRATOS")})
    assert done.returncode == 1, done.stdout
    steps = outcomes(done.stdout)
    assert ("FAIL", "keto") in steps and ("PASS", "hydra") in steps
    assert not [s for s in steps if s[1] == "kratos"]
    # The tuple was written before the failing read; the clean-up removed it.
    read = stack.servers["permissions"].urls["read"]
    tuples = httpx.get(f"{read}/relation-tuples", params={"namespace": "documents"}).json()
    assert not [t for t in tuples["relation_tuples"] if t["object"].startswith("roost-verify-")]


def test_endpoints_come_from_flags_too(stack: Stack) -> None:
    urls = stack.servers["permissions"].urls
    done = verify(
        {}, "--keto-read-remote", urls["read"], "--keto-write-remote", urls["write"] + "/"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert {s for _, s in outcomes(done.stdout)} == {"keto"}


def test_missing_endpoints_are_usage_errors() -> None:
    none = verify({})
    assert none.returncode == 2 and "no endpoints" in none.stderr
    half = verify({"HYDRA_ADMIN_URL": "http://127.0.0.1:9"})
    assert half.returncode == 2 and "hydra: give both" in half.stderr


def test_unreachable_deployment_fails_every_service_cleanly() -> None:
    port = free_port()
    done = verify(
        {
            "KETO_READ_REMOTE": f"http://127.0.0.1:{port}",
            "KETO_WRITE_REMOTE": f"http://127.0.0.1:{port}",
        },
        "--timeout",
        "2",
    )
    assert done.returncode == 1
    assert outcomes(done.stdout) == [("FAIL", "keto")]
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def ory_hydra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], str]]:
    """Ory Hydra v2.3.0 (built outside the repository) on a fresh PostgreSQL database."""
    if not HYDRA_BINARY.exists():
        pytest.skip(
            f"no Ory Hydra binary at {HYDRA_BINARY} (build v2.3.0 from the Go module proxy, "
            "see README 'roost verify'; or set ROOST_TEST_HYDRA)"
        )
    postgres_admin_dsn()
    dsn = create_database(postgres_admin_dsn())
    tmp = tmp_path_factory.mktemp("ory-hydra")
    public, admin = free_port(), free_port()
    env = {
        **os.environ,
        "DSN": dsn,
        "SECRETS_SYSTEM": "a-system-secret-of-at-least-32-characters",
        "SERVE_PUBLIC_PORT": str(public),
        "SERVE_PUBLIC_HOST": "127.0.0.1",
        "SERVE_ADMIN_PORT": str(admin),
        "SERVE_ADMIN_HOST": "127.0.0.1",
        "URLS_SELF_ISSUER": f"http://127.0.0.1:{public}",
        "LOG_LEVEL": "warn",
    }
    subprocess.run(
        [str(HYDRA_BINARY), "migrate", "sql", "-e", "--yes"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    log = (tmp / "hydra.log").open("wb")
    proc = subprocess.Popen(
        [str(HYDRA_BINARY), "serve", "all", "--dev"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    urls = {
        "HYDRA_PUBLIC_URL": f"http://127.0.0.1:{public}",
        "HYDRA_ADMIN_URL": f"http://127.0.0.1:{admin}",
    }
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if (
                    httpx.get(urls["HYDRA_ADMIN_URL"] + "/health/ready", timeout=1).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (
                tmp / "hydra.log"
            ).read_text()
            time.sleep(0.2)
        yield urls, dsn
    finally:
        proc.terminate()
        proc.wait(10)


def test_hydra_steps_pass_against_ory_hydra(ory_hydra: tuple[dict[str, str], str]) -> None:
    urls, dsn = ory_hydra
    done = verify({**urls, "VERIFY_HYDRA_DSN": dsn})
    assert done.returncode == 0, done.stdout + done.stderr
    steps = outcomes(done.stdout)
    assert len(steps) == 6 and {mark for mark, _ in steps} == {"PASS"}
