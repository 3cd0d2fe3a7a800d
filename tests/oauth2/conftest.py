"""OAuth2 servers for end-to-end tests: one ``roost serve oauth2`` per backend per session.

Client secrets are hashed with 1,000 PBKDF2 iterations here (Hydra's format,
a cheaper cost) so the suite stays fast; the default cost is tested in
``test_hashing.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from roost.oauth2.migrations import MIGRATIONS
from tests.conftest import BACKENDS, head_dsn, postgres_admin_dsn
from tests.support.server import Server, start_server

SYSTEM_SECRET = "a-system-secret-of-at-least-32-characters"
FAST_HASH = {"hashers": {"algorithm": "pbkdf2", "pbkdf2": {"iterations": 1000}}}


@dataclass
class Hydra:
    server: Server
    dsn: str
    backend: str
    workdir: Path

    @property
    def public(self) -> str:
        return self.server.urls["public"]

    @property
    def admin(self) -> str:
        return self.server.urls["admin"]

    def create_client(self, **body: Any) -> dict[str, Any]:
        response = httpx.post(f"{self.admin}/admin/clients", json=body)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data


def serve_oauth2(
    tmp: Path,
    backend: str,
    config: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
) -> Hydra:
    if backend == "postgres":
        postgres_admin_dsn()
    dsn = head_dsn(backend, tmp, "oauth2", MIGRATIONS)
    base: dict[str, Any] = {
        "dsn": dsn,
        "secrets": {"system": [SYSTEM_SECRET]},
        "oauth2": dict(FAST_HASH),
    }
    for key, value in (config or {}).items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    server = start_server(tmp, base, service="oauth2", listeners=("public", "admin"), env=env)
    return Hydra(server, dsn, backend, tmp)


@pytest.fixture(scope="session", params=BACKENDS)
def hydra(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hydra]:
    tmp = tmp_path_factory.mktemp(f"hydra-{request.param}")
    h = serve_oauth2(tmp, request.param)
    yield h
    h.server.stop()


@pytest.fixture(scope="session")
def hydra_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hydra]:
    """A SQLite server for tests that need no PostgreSQL variant."""
    tmp = tmp_path_factory.mktemp("hydra-sqlite-only")
    h = serve_oauth2(tmp, "sqlite")
    yield h
    h.server.stop()
