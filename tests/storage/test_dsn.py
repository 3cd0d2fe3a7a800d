"""DSN parsing: Ory's schemes, pool parameters stripped and honoured, TLS passed through."""

from __future__ import annotations

import pytest

from roost.core.errors import ConfigError
from roost.storage.dsn import parse_dsn, parse_go_duration, redact


@pytest.mark.parametrize("scheme", ["cockroach", "cockroachdb", "crdb"])
def test_cockroach_schemes(scheme: str) -> None:
    parsed = parse_dsn(f"{scheme}://ory:pw@db.example:26257/keto?sslmode=disable&max_conns=7")
    assert parsed.dialect == "cockroach"
    assert parsed.sqlalchemy_url == "cockroachdb+asyncpg://ory:pw@db.example:26257/keto"
    assert parsed.pool.max_conns == 7
    assert parsed.connect_args == {"sslmode": "disable"}


def test_cockroach_default_port() -> None:
    assert parse_dsn("cockroach://root@crdb/defaultdb").sqlalchemy_url.endswith(
        "crdb:26257/defaultdb"
    )


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_postgres_pool_parameters_are_stripped(scheme: str) -> None:
    parsed = parse_dsn(
        f"{scheme}://u:p@h:5432/db?max_conns=20&max_idle_conns=4&max_conn_lifetime=1h30m"
        "&max_conn_idle_time=30s&sslmode=verify-full&sslrootcert=/ca.pem&application_name=x"
    )
    assert parsed.dialect == "postgres"
    assert parsed.sqlalchemy_url == "postgresql+asyncpg://u:p@h:5432/db?application_name=x"
    assert (parsed.pool.max_conns, parsed.pool.max_idle_conns) == (20, 4)
    assert parsed.pool.max_conn_lifetime == 5400.0
    assert parsed.pool.max_conn_idle_time == 30.0
    assert parsed.connect_args == {"sslmode": "verify-full", "sslrootcert": "/ca.pem"}


@pytest.mark.parametrize(
    ("dsn", "path"),
    [
        ("sqlite:///var/lib/roost/keto.sqlite", "/var/lib/roost/keto.sqlite"),
        ("sqlite://file::memory:?_fk=true&cache=shared", ":memory:"),
        ("memory", ":memory:"),
    ],
)
def test_sqlite(dsn: str, path: str) -> None:
    parsed = parse_dsn(dsn)
    assert parsed.dialect == "sqlite"
    assert parsed.sqlite_path == path


@pytest.mark.parametrize(
    ("dsn", "fragment"),
    [
        ("mysql://u:p@h/db", "unsupported DSN scheme"),
        ("nonsense", "unsupported DSN scheme"),
        ("postgres://h/db?max_conns=many", "max_conns must be a whole number"),
        ("postgres://h/db?max_conn_lifetime=forever", "invalid duration"),
    ],
)
def test_rejects(dsn: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        parse_dsn(dsn)


def test_durations_and_redaction() -> None:
    assert parse_go_duration("250ms") == 0.25
    assert redact("postgres://ory:s3cret@h/db") == "postgres://ory:***@h/db"
    assert "s3cret" not in redact("cockroach://ory:s3cret@h:26257/keto?sslmode=disable")
