"""Shared fixtures: databases (SQLite always, PostgreSQL when available) and servers.

PostgreSQL comes from ``ROOST_TEST_POSTGRES_DSN`` (an admin DSN; scripts/test.sh
starts a throwaway SERIALIZABLE cluster and sets it). With
``ROOST_REQUIRE_POSTGRES=1`` (CI) a missing PostgreSQL fails instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.pg import create_database

BACKENDS = ["sqlite", "postgres"]


def postgres_admin_dsn() -> str:
    dsn = os.environ.get("ROOST_TEST_POSTGRES_DSN")
    if not dsn:
        if os.environ.get("ROOST_REQUIRE_POSTGRES") == "1":
            pytest.fail("ROOST_TEST_POSTGRES_DSN is not set but PostgreSQL is required")
        pytest.skip("no PostgreSQL (set ROOST_TEST_POSTGRES_DSN or run scripts/test.sh)")
    return dsn


def new_dsn(backend: str, tmp: Path) -> str:
    """A DSN of a brand-new, empty database on ``backend``."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'roost-{uuid.uuid4().hex[:8]}.sqlite'}"
    return create_database(postgres_admin_dsn())


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgres":
        postgres_admin_dsn()
    return name


@pytest.fixture
def dsn(backend: str, tmp_path: Path) -> str:
    return new_dsn(backend, tmp_path)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def repo_root() -> Iterator[Path]:
    yield Path(__file__).resolve().parents[1]
