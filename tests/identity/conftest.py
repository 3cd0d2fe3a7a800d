"""Identity-service servers for end-to-end tests (one process per backend and config).

bcrypt runs at cost 4 here so the suite stays fast on a shared 2-core machine;
the default of 12 is covered by ``test_hashing``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ory_kratos_client import ApiClient, Configuration
from ory_kratos_client.api.frontend_api import FrontendApi
from ory_kratos_client.api.identity_api import IdentityApi

from roost.identity.migrations import MIGRATIONS
from tests.conftest import BACKENDS, head_dsn, postgres_admin_dsn
from tests.support.server import Server, start_server

FAST = {"hashers": {"bcrypt": {"cost": 4}}}
SESSION_HOOK = {
    "selfservice": {
        "flows": {"registration": {"after": {"password": {"hooks": [{"hook": "session"}]}}}}
    }
}

ADDRESS_FLOWS = {
    "selfservice": {
        "flows": {"recovery": {"enabled": True}, "verification": {"enabled": True}},
        "methods": {"link": {"enabled": True}, "code": {"passwordless_enabled": True}},
    }
}
"""Recovery and verification on, ``link`` beside ``code``, login by code (decision 0023)."""


def serve_identity(tmp: Path, backend: str, config: dict[str, Any]) -> Server:
    if backend == "postgres":
        postgres_admin_dsn()
    dsn = head_dsn(backend, tmp, "identity", MIGRATIONS)
    server = start_server(
        tmp, {"dsn": dsn, **FAST, **config}, service="identity", listeners=("public", "admin")
    )
    server.dsn = dsn  # type: ignore[attr-defined]
    return server


class Kratos:
    """The official SDK's two API groups pointed at one server's two ports."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.public_client = ApiClient(Configuration(host=server.urls["public"]))
        self.admin_client = ApiClient(Configuration(host=server.urls["admin"]))
        self.frontend = FrontendApi(self.public_client)
        self.admin = IdentityApi(self.admin_client)
        self.public_identity = IdentityApi(self.public_client)

    @property
    def dsn(self) -> str:
        dsn: str = self.server.dsn  # type: ignore[attr-defined]
        return dsn


@pytest.fixture(scope="session", params=BACKENDS)
def kratos(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Kratos]:
    """The seed's configuration: no session hook after registration."""
    tmp = tmp_path_factory.mktemp(f"kratos-{request.param}")
    server = serve_identity(tmp, request.param, {})
    yield Kratos(server)
    server.stop()


@pytest.fixture(scope="session")
def kratos_hook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kratos]:
    """Registration with the ``session`` after-hook (SQLite; the hook is backend-neutral)."""
    tmp = tmp_path_factory.mktemp("kratos-hook")
    server = serve_identity(tmp, "sqlite", SESSION_HOOK)
    yield Kratos(server)
    server.stop()


@pytest.fixture(scope="session")
def kratos_argon2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kratos]:
    """argon2id as the configured hasher (small memory for tests)."""
    tmp = tmp_path_factory.mktemp("kratos-argon2")
    argon2 = {"algorithm": "argon2", "argon2": {"memory": "1MB", "parallelism": 1}}
    server = serve_identity(tmp, "sqlite", {"hashers": argon2})
    yield Kratos(server)
    server.stop()


def email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"
