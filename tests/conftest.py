"""Shared fixtures: databases (SQLite always, PostgreSQL when available) and servers.

PostgreSQL comes from ``ROOST_TEST_POSTGRES_DSN`` (an admin DSN; scripts/test.sh
starts a throwaway SERIALIZABLE cluster and sets it). With
``ROOST_REQUIRE_POSTGRES=1`` (CI) a missing PostgreSQL fails instead of skipping.
Ory's published documents and the conformance data come from the shared folder
(``ROOST_SHARED_DIR``, see ``tests/support/shared.py``); tests that need it and
cannot find it are counted in one line of the terminal summary.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from roost.storage.migrate import Migration
from tests.support import shared
from tests.support.migrated import Templates
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


_TEMPLATES = Templates(new_dsn, postgres_admin_dsn)
"""This run's migrated templates (one per backend and service), filled on first use."""


def head_dsn(backend: str, tmp: Path, service: str, migrations: Sequence[Migration]) -> str:
    """A DSN of a new database on ``backend`` already at ``service``'s schema head.

    A copy of a template migrated once per run (``tests/support/migrated.py``), for
    store tests and servers; tests of migrating itself take :func:`new_dsn`.
    """
    return _TEMPLATES.copy(backend, service, migrations, tmp)


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
    """The shared folder (skips, or fails under CI, when it is absent)."""
    return shared.require(".")


def pytest_configure(config: pytest.Config) -> None:
    shared.check_ci()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line for everything skipped because the shared folder is absent."""
    reports = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if isinstance(r.longrepr, tuple) and shared.REASON in str(r.longrepr[2])
    ]
    if not reports:
        return
    tests = sum(1 for r in reports if isinstance(r, pytest.TestReport))
    modules = len(reports) - tests
    counted = f"{tests} tests" + (f" and {modules} module(s)" if modules else "")
    terminalreporter.write_line(f"{counted} skipped: {shared.REASON}", yellow=True, bold=True)


@pytest.fixture(scope="session")
def repo_root() -> Iterator[Path]:
    yield Path(__file__).resolve().parents[1]
