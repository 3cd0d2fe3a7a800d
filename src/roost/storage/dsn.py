"""Turn Ory-style DSNs into SQLAlchemy URLs.

Ory accepts ``postgres://``, ``postgresql://``, ``cockroach://`` (also
``cockroachdb://``, ``crdb://``) and ``sqlite://`` DSNs, and strips its own pool
parameters before the driver sees them (libpq-style drivers reject unknown
parameters). We do the same and turn the pool parameters into engine options.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from roost.core.errors import ConfigError

Dialect = Literal["sqlite", "postgres", "cockroach"]

_SCHEMES: dict[str, Dialect] = {
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "postgres": "postgres",
    "postgresql": "postgres",
    "cockroach": "cockroach",
    "cockroachdb": "cockroach",
    "crdb": "cockroach",
}
_POOL_KEYS = ("max_conns", "max_idle_conns", "max_conn_lifetime", "max_conn_idle_time")
# libpq parameters asyncpg understands as connect arguments rather than URL query keys.
_SSL_KEYS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "sslcrl")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class PoolOptions:
    """Ory's pool parameters, in seconds where they are durations."""

    max_conns: int | None = None
    max_idle_conns: int | None = None
    max_conn_lifetime: float | None = None
    max_conn_idle_time: float | None = None


@dataclass(frozen=True)
class ParsedDSN:
    """A DSN split into what SQLAlchemy needs."""

    dialect: Dialect
    sqlalchemy_url: str
    pool: PoolOptions
    connect_args: dict[str, str] = field(default_factory=dict)
    sqlite_path: str | None = None


def parse_go_duration(text: str) -> float:
    """Parse a Go duration such as ``30s`` or ``1h30m`` (what Ory's DSN parameters use)."""
    pos, total = 0, 0.0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise ConfigError(f"invalid duration {text!r} in DSN (expected e.g. 30s, 5m, 1h)")
    return total


def _pool_options(query: dict[str, str]) -> PoolOptions:
    def integer(key: str) -> int | None:
        raw = query.get(key)
        if raw is None:
            return None
        if not raw.isdigit():
            raise ConfigError(f"DSN parameter {key} must be a whole number, got {raw!r}")
        return int(raw)

    def duration(key: str) -> float | None:
        raw = query.get(key)
        return None if raw is None else parse_go_duration(raw)

    return PoolOptions(
        max_conns=integer("max_conns"),
        max_idle_conns=integer("max_idle_conns"),
        max_conn_lifetime=duration("max_conn_lifetime"),
        max_conn_idle_time=duration("max_conn_idle_time"),
    )


def parse_dsn(dsn: str) -> ParsedDSN:
    """Parse ``dsn``; raise :class:`ConfigError` naming what is wrong."""
    if dsn == "memory":
        return ParsedDSN("sqlite", "sqlite+aiosqlite://", PoolOptions(), sqlite_path=":memory:")
    scheme, sep, _ = dsn.partition("://")
    dialect = _SCHEMES.get(scheme.lower()) if sep else None
    if dialect is None:
        raise ConfigError(
            f"unsupported DSN scheme {scheme!r}: use sqlite://, postgres://, postgresql:// "
            "or cockroach:// (also cockroachdb://, crdb://)"
        )
    parts = urlsplit(dsn)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    pool = _pool_options(query)
    rest = {k: v for k, v in query.items() if k not in _POOL_KEYS}
    if dialect == "sqlite":
        return _sqlite(dsn, rest, pool)
    driver = "cockroachdb+asyncpg" if dialect == "cockroach" else "postgresql+asyncpg"
    connect_args = {k: v for k, v in rest.items() if k in _SSL_KEYS}
    passthrough = {k: v for k, v in rest.items() if k not in _SSL_KEYS}
    netloc = parts.netloc
    if dialect == "cockroach" and parts.port is None and parts.hostname:
        netloc = f"{netloc}:26257"
    url = f"{driver}://{netloc}{parts.path}"
    if passthrough:
        url += "?" + urlencode(passthrough)
    return ParsedDSN(dialect, url, pool, connect_args)


def _sqlite(dsn: str, query: dict[str, str], pool: PoolOptions) -> ParsedDSN:
    """``sqlite:///abs/path``, ``sqlite://rel/path`` and Ory's ``sqlite://file::memory:``."""
    body = dsn.split("://", 1)[1].split("?", 1)[0]
    path = unquote(body)
    if path.startswith("file:"):
        path = path[len("file:") :]
    if path in ("", ":memory:", "::memory:"):
        return ParsedDSN("sqlite", "sqlite+aiosqlite://", pool, sqlite_path=":memory:")
    del query  # Ory's sqlite query flags (_fk, mode, cache) are implied by our engine setup
    return ParsedDSN("sqlite", f"sqlite+aiosqlite:///{path}", pool, sqlite_path=path)


def redact(dsn: str) -> str:
    """The DSN with its password replaced, for logs and error messages."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
