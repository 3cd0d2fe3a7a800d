"""No SQL Roost emits uses a construct CockroachDB rejects or silently ignores.

Two sources, so the scan does not depend on how migrations are written down:

* every table and index Roost declares (each ``MetaData`` in the package),
  compiled offline with the CockroachDB dialect;
* every statement PostgreSQL actually received while the three services
  migrated, served the seed tutorial's steps (``roost verify``), and ran their
  clean-up commands: PostgreSQL logs them (``log_statement = all`` on these
  databases only), hand-written hot statements on asyncpg's own pool included.

The server log also shows each backend's transaction boundaries, so DDL inside
an explicit transaction is caught too. CockroachDB itself cannot run here; the
list of constructs comes from its documentation (see
/work/shared/reference/cockroachdb-and-helm.md, §1.7-1.8).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import pkgutil
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import MetaData
from sqlalchemy.schema import CreateIndex, CreateTable

import roost
from tests.conftest import postgres_admin_dsn
from tests.identity.conftest import FAST
from tests.oauth2.conftest import FAST_HASH, SYSTEM_SECRET
from tests.permissions.conftest import SEED_NAMESPACES
from tests.support.pg import create_database
from tests.support.server import start_server

# (what, pattern): constructs CockroachDB rejects, or accepts and ignores.
FORBIDDEN = [
    ("LISTEN/NOTIFY (unsupported)", r"\b(LISTEN|UNLISTEN|NOTIFY)\b|pg_notify"),
    ("advisory locks (no-ops)", r"pg_(try_)?advisory"),
    ("triggers and rules", r"\bCREATE\s+(OR\s+REPLACE\s+)?(TRIGGER|RULE|EVENT\s+TRIGGER)\b"),
    ("stored functions (not portable)", r"\bCREATE\s+(OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)\b"),
    ("sequences (hotspots)", r"\bCREATE\s+SEQUENCE\b|\bnextval\s*\(|\bsetval\s*\("),
    ("SERIAL columns (hotspots)", r"\b(BIG|SMALL)?SERIAL\b|GENERATED\s+\w*\s*AS\s+IDENTITY"),
    ("deferrable constraints", r"\bDEFERRABLE\b|\bINITIALLY\s+DEFERRED\b"),
    ("exclusion constraints", r"\bEXCLUDE\s+USING\b"),
    ("table inheritance", r"\bINHERITS\s*\("),
    ("domains and range types", r"\bCREATE\s+DOMAIN\b|\bAS\s+RANGE\b"),
    ("two-phase commit", r"\bPREPARE\s+TRANSACTION\b|\bCOMMIT\s+PREPARED\b"),
    ("COPY TO", r"\bCOPY\b.+\bTO\b"),
    (
        "ADD ... USING INDEX",
        r"\bADD\s+(CONSTRAINT\s+\S+\s+)?(UNIQUE|PRIMARY\s+KEY)\s+USING\s+INDEX\b",
    ),
    ("system columns", r"\b(xmin|xmax|ctid|cmin|cmax)\b"),
    ("LOCK TABLE", r"^\s*LOCK\s+(TABLE\s+)?\w"),
    ("SKIP LOCKED (unsupported with durable locks)", r"\bSKIP\s+LOCKED\b"),
    ("temporary tables", r"\bCREATE\s+(TEMP|TEMPORARY)\s+TABLE\b"),
    ("unlogged tables", r"\bUNLOGGED\b"),
]
DDL = re.compile(r"^\s*(CREATE|ALTER|DROP|TRUNCATE|COMMENT\s+ON)\b", re.I)
# asyncpg's and SQLAlchemy's own catalogue queries: each dialect has its own.
CATALOGUE = re.compile(r"\bpg_catalog\.|\bpg_type\b|\bpg_namespace\b|information_schema\.", re.I)


def offences(statement: str) -> list[str]:
    """The names of the forbidden constructs in one statement."""
    return [what for what, pattern in FORBIDDEN if re.search(pattern, statement, re.I | re.M)]


def test_the_scan_finds_what_it_looks_for() -> None:
    """Each pattern fires on a statement CockroachDB would refuse, and not on Roost's usual SQL."""
    assert offences("LISTEN roost_changes") == ["LISTEN/NOTIFY (unsupported)"]
    assert offences("SELECT pg_advisory_lock(42)") == ["advisory locks (no-ops)"]
    assert offences("CREATE TABLE t (id BIGSERIAL PRIMARY KEY)") == ["SERIAL columns (hotspots)"]
    assert offences("CREATE SEQUENCE s") == ["sequences (hotspots)"]
    assert offences("CREATE TRIGGER t AFTER INSERT ON x EXECUTE FUNCTION f()") == [
        "triggers and rules"
    ]
    assert offences("SELECT id FROM q FOR UPDATE SKIP LOCKED") == [
        "SKIP LOCKED (unsupported with durable locks)"
    ]
    ok = "INSERT INTO t (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET n = t.n + 1 RETURNING n"
    assert offences(ok) == []


def _metadata() -> list[MetaData]:
    found: dict[int, MetaData] = {}
    for info in pkgutil.walk_packages(roost.__path__, "roost."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, MetaData):
                found[id(value)] = value
    return list(found.values())


def test_declared_schema_compiles_for_cockroachdb_without_forbidden_constructs() -> None:
    from sqlalchemy_cockroachdb.asyncpg import CockroachDBDialect_asyncpg

    dialect = CockroachDBDialect_asyncpg()
    statements = []
    for metadata in _metadata():
        for table in metadata.sorted_tables:
            statements.append(str(CreateTable(table).compile(dialect=dialect)))
            statements += [str(CreateIndex(i).compile(dialect=dialect)) for i in table.indexes]
    tables = [s for s in statements if s.lstrip().startswith("CREATE TABLE")]
    assert len(tables) >= 20  # every service's tables, not a lucky subset
    bad = {s.split("(")[0].strip(): offences(s) for s in statements if offences(s)}
    assert bad == {}
    for statement in tables:  # random UUIDs or natural keys, never an integer counter
        assert "PRIMARY KEY" in statement


def _log_path() -> Path:
    postgres_admin_dsn()
    folder = os.environ.get("ROOST_PG_DIR")
    if not folder or not (Path(folder) / "log").is_file():
        pytest.skip(
            "the PostgreSQL server log is not readable (start it with scripts/pg-throwaway.sh)"
        )
    return Path(folder) / "log"


def _logged_database() -> str:
    dsn = create_database(postgres_admin_dsn())

    async def enable() -> None:
        conn = await asyncpg.connect(postgres_admin_dsn().replace("postgres://", "postgresql://"))
        try:
            name = dsn.rsplit("/", 1)[1].split("?")[0]
            await conn.execute(f"ALTER DATABASE \"{name}\" SET log_statement = 'all'")
        finally:
            await conn.close()

    asyncio.run(enable())
    return dsn


ENTRY = re.compile(r"^\S+ \S+ \S+ \[(\d+)\] (\w+):  (.*)$")
STATEMENT = re.compile(r"^(?:statement|execute [^:]*): (.*)$", re.S)


def parse_log(text: str) -> list[tuple[int, str]]:
    """(backend pid, statement) for every statement logged, multi-line statements joined."""
    out: list[tuple[int, str]] = []
    current: list[str] | None = None
    pid = 0
    for line in text.splitlines():
        entry = ENTRY.match(line)
        if entry:
            if current is not None:
                out.append((pid, "\n".join(current)))
            current = None
            pid, kind, message = int(entry.group(1)), entry.group(2), entry.group(3)
            statement = STATEMENT.match(message) if kind == "LOG" else None
            if statement:
                current = [statement.group(1)]
        elif current is not None and line.startswith("\t"):
            current.append(line[1:])
    if current is not None:
        out.append((pid, "\n".join(current)))
    return out


def ddl_in_transactions(statements: list[tuple[int, str]]) -> list[str]:
    """DDL sent between BEGIN and COMMIT/ROLLBACK on the same backend."""
    open_pids: set[int] = set()
    bad = []
    for pid, sql in statements:
        head = sql.lstrip().upper()
        if head.startswith(("BEGIN", "START TRANSACTION")):
            open_pids.add(pid)
        elif head.startswith(("COMMIT", "ROLLBACK", "END")):
            open_pids.discard(pid)
        elif pid in open_pids and DDL.match(sql):
            bad.append(sql)
    return bad


def _roost(*args: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "roost", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[tuple[int, str]]]:
    """Every statement the three services sent PostgreSQL through the seed's steps."""
    log = _log_path()
    start = log.stat().st_size
    tmp = tmp_path_factory.mktemp("crdb-scan")
    dsns = {name: _logged_database() for name in ("oauth2", "identity", "permissions")}
    configs = {
        "oauth2": {"secrets": {"system": [SYSTEM_SECRET]}, "oauth2": FAST_HASH},
        "identity": dict(FAST),
        "permissions": {"namespaces": SEED_NAMESPACES},
    }
    listeners = {
        "oauth2": ("public", "admin"),
        "identity": ("public", "admin"),
        "permissions": ("read", "write", "opl"),
    }
    servers = {}
    try:
        for name, config in configs.items():
            servers[name] = start_server(
                tmp / name, {"dsn": dsns[name], **config}, service=name, listeners=listeners[name]
            )
        u = {name: s.urls for name, s in servers.items()}
        _roost(
            "verify",
            env={
                "HYDRA_ADMIN_URL": u["oauth2"]["admin"],
                "HYDRA_PUBLIC_URL": u["oauth2"]["public"],
                "KRATOS_PUBLIC_URL": u["identity"]["public"],
                "KRATOS_ADMIN_URL": u["identity"]["admin"],
                "KETO_READ_REMOTE": u["permissions"]["read"],
                "KETO_WRITE_REMOTE": u["permissions"]["write"],
            },
        )
        _roost("oauth2", "janitor", "--read-from-env", env={"ROOST_OAUTH2_DSN": dsns["oauth2"]})
        _roost("identity", "cleanup", "--dsn", dsns["identity"])
    finally:
        for server in servers.values():
            server.stop()
    with log.open() as fh:
        fh.seek(start)
        yield parse_log(fh.read())


def test_emitted_sql_avoids_what_cockroachdb_rejects(emitted: list[tuple[int, str]]) -> None:
    statements = [sql for _, sql in emitted if not CATALOGUE.search(sql)]
    joined = "\n".join(statements)
    # the scan saw migrations, hot reads and writes of all three services
    for needle in (
        "CREATE TABLE",
        "hydra_oauth2_access",
        "identity_credentials",
        "keto_relation_tuples",
        "INSERT INTO",
        "DELETE FROM",
    ):
        assert needle in joined, needle
    bad = {sql[:120]: offences(sql) for sql in statements if offences(sql)}
    assert bad == {}


def test_no_ddl_inside_explicit_transactions(emitted: list[tuple[int, str]]) -> None:
    assert [sql for _, sql in emitted if DDL.match(sql)], "no DDL was logged"
    assert ddl_in_transactions(emitted) == []


def test_transaction_tracking_catches_ddl_in_a_transaction() -> None:
    log = [
        (1, "BEGIN ISOLATION LEVEL SERIALIZABLE"),
        (1, "CREATE TABLE x (id uuid)"),
        (2, "CREATE TABLE y (id uuid)"),
        (1, "COMMIT"),
        (1, "CREATE INDEX i ON x (id)"),
    ]
    assert ddl_in_transactions(log) == ["CREATE TABLE x (id uuid)"]
