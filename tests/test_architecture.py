"""The import graph the README draws, checked on the source (every import, even inside functions).

Two rules, both data: a service package never imports another service
package (shared code lives in ``core``, ``storage`` and ``runtime``), and each
service's protocol modules import no web framework, no SQL and none of the
service's own transport or storage layers. A service adds its row to
``PROTOCOL``; the list of services itself comes from ``roost.cli.services``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import roost
from roost.cli.services import NAMES

SRC = Path(roost.__file__).parent


@dataclass(frozen=True)
class Layering:
    """Which modules of one service are protocol code, and what they must not import."""

    protocol: tuple[str, ...]
    """Packages or modules under ``roost.<service>``, relative (``rfc6749``, ``janitor``)."""
    forbidden: tuple[str, ...]
    """Import prefixes; ``{service}`` stands for the service's package."""


PURE = ("starlette", "sqlalchemy", "asyncpg", "roost.storage", "roost.runtime")

PROTOCOL: dict[str, Layering] = {
    "identity": Layering(
        protocol=(
            "selfservice",
            "identities",
            "sessions",
            "credentials",
            "schemas",
            "courier",
        ),
        forbidden=(
            *PURE,
            "{service}.sql",
            "{service}.http",
            "{service}.service",
            "{service}.module",
            "{service}.cli",
        ),
    ),
    "oauth2": Layering(
        protocol=(
            "rfc6749",
            "rfc7009",
            "rfc7523",
            "rfc7636",
            "rfc7662",
            "rfc8628",
            "consent",
            "oidc",
            "clients",
            "tokens",
            "jwk",
            "janitor",
            "scopes",
            "durations",
        ),
        forbidden=(*PURE, "{service}.sql", "{service}.http", "{service}.service"),
    ),
}


def _modules(package: Path) -> dict[str, Path]:
    """Dotted name to file for every module under ``package``."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved against ``name``."""
    tree = ast.parse(path.read_text(), str(path))
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_the_table_names_real_services_and_real_modules() -> None:
    """A rule about a renamed module would pass forever; so would one for no service."""
    assert set(PROTOCOL) <= set(NAMES)
    for service, rules in PROTOCOL.items():
        for part in rules.protocol:
            base = SRC / service / part
            assert base.is_dir() or base.with_suffix(".py").is_file(), f"{service}.{part}"


@pytest.mark.parametrize("service", NAMES)
def test_no_service_imports_another(service: str) -> None:
    others = [f"roost.{o}" for o in NAMES if o != service]
    wrong = sorted(
        f"{name} imports {imported}"
        for name, path in _modules(SRC / service).items()
        for imported in _imports(name, path)
        if any(_under(imported, other) for other in others)
    )
    assert wrong == []


@pytest.mark.parametrize("service", sorted(PROTOCOL))
def test_protocol_code_imports_no_framework_sql_or_outer_layer(service: str) -> None:
    rules = PROTOCOL[service]
    pkg = f"roost.{service}"
    forbidden = [f.replace("{service}", pkg) for f in rules.forbidden]
    protocol = [f"{pkg}.{p}" for p in rules.protocol]
    checked = {
        n: p for n, p in _modules(SRC / service).items() if any(_under(n, m) for m in protocol)
    }
    assert checked
    wrong = sorted(
        f"{name} imports {imported}"
        for name, path in checked.items()
        for imported in _imports(name, path)
        if any(_under(imported, f) for f in forbidden)
    )
    assert wrong == []


def test_the_checker_sees_absolute_aliased_and_relative_imports(tmp_path: Path) -> None:
    """A checker that missed an import form would pass every row forever."""
    module = tmp_path / "manager.py"
    module.write_text(
        "from starlette.requests import Request\n"
        "import sqlalchemy as sa\n"
        "from .. import sql\n"
        "def late():\n    from roost.identity.http import admin\n"
    )
    found = _imports("roost.identity.sessions.manager", module)
    for prefix in ("starlette", "sqlalchemy", "roost.identity.sql", "roost.identity.http"):
        assert any(_under(name, prefix) for name in found), prefix
