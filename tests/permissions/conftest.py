"""Permission-service servers for end-to-end tests (one process per module and backend),
and databases at the schema's head for store tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from roost.permissions.migrations import MIGRATIONS
from tests.conftest import BACKENDS, head_dsn, postgres_admin_dsn
from tests.support.server import Server, start_server

SEED_NAMESPACES = [
    {"id": 0, "name": "default_namespace"},
    {"id": 1, "name": "documents"},
    {"id": 2, "name": "users"},
]

OPL = """
class User implements Namespace {}
class Group implements Namespace {
  related: { members: (User | SubjectSet<Group, "members">)[] }
}
class Folder implements Namespace {
  related: {
    parents: Folder[]
    viewers: (User | SubjectSet<Group, "members">)[]
    owners: User[]
  }
  permits = {
    view: (ctx: Context): boolean =>
      this.related.viewers.includes(ctx.subject) ||
      this.related.owners.includes(ctx.subject) ||
      this.related.parents.traverse((p) => p.permits.view(ctx)),
  }
}
class Document implements Namespace {
  related: {
    parents: Folder[]
    viewers: (User | SubjectSet<Group, "members">)[]
    banned: User[]
  }
  permits = {
    view: (ctx: Context): boolean =>
      (this.related.viewers.includes(ctx.subject) ||
       this.related.parents.traverse((p) => p.permits.view(ctx))) &&
      !this.related.banned.includes(ctx.subject),
  }
}
"""


def serve_permissions(tmp: Path, backend: str, config: dict[str, Any], **kwargs: Any) -> Server:
    if backend == "postgres":
        postgres_admin_dsn()
    dsn = head_dsn(backend, tmp, "permissions", MIGRATIONS)
    return start_server(tmp, {"dsn": dsn, **config}, **kwargs)


@pytest.fixture
def store_dsn(backend: str, tmp_path: Path) -> str:
    """A new database already at the permission schema's head, for store and engine tests."""
    return head_dsn(backend, tmp_path, "permissions", MIGRATIONS)


@pytest.fixture(scope="module", params=BACKENDS)
def seed_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server configured like the seed tutorial's Keto values (legacy namespaces)."""
    tmp = tmp_path_factory.mktemp(f"keto-seed-{request.param}")
    server = serve_permissions(tmp, request.param, {"namespaces": SEED_NAMESPACES})
    yield server
    server.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def opl_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server with namespaces from an Ory Permission Language file."""
    tmp = tmp_path_factory.mktemp(f"keto-opl-{request.param}")
    (tmp / "namespaces.keto.ts").write_text(OPL)
    server = serve_permissions(
        tmp,
        request.param,
        {
            "namespaces": {"location": "file://./namespaces.keto.ts"},
            "limit": {"max_read_depth": 10},
        },
    )
    yield server
    server.stop()
