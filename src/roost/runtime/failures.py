"""A command's known failures as one line each, never a traceback.

A newcomer's first mistakes end a ``roost`` command with ``Error: <one line>``
and exit code 1, as click's own usage errors do (``roost.cli.failures`` prints
them at the entry point): a database server that is not up yet
(the seed's ``cockroach://...`` before the cluster exists, PostgreSQL on a
closed port), an unknown host, a DSN naming a database that does not exist or
a password that is refused, a SQLite file whose folder is missing, a missing
or unreadable file, a config error. Anything else is a bug and keeps its
traceback.

    database(service, dsn)   around a command's storage work (migrate, cleanup,
                             janitor): a known failure becomes
                             CommandFailed("<service>: <line naming the DSN>")
    roost.cli.failures       at the entry point: CommandFailed, or describe(exc)
                             for anything raised elsewhere, or the traceback

``describe`` walks the exception's cause chain (storage raises ``Unavailable``
from the driver's error, ``raise ... from exc``) down to what actually
happened. DSNs are shown with their password replaced.
"""

from __future__ import annotations

import errno
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from roost.core.errors import ConfigError, Unavailable
from roost.storage.dsn import parse_dsn, redact

__all__ = ["CommandFailed", "database", "describe"]

DEFAULT_PORTS = {"postgres": 5432, "cockroachdb": 26257}
REFUSALS = ("3D", "28", "08", "57", "53")
"""SQLSTATE classes of a server refusing us (no such database, authentication,
connection, shutting down, out of resources); and 42501, insufficient privilege."""


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it was raised from or during, outermost first."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _where(dsn: str) -> str:
    """``host:port`` of a server DSN, Ory's default port filled in."""
    try:
        dialect = parse_dsn(dsn).dialect
        parts = urlsplit(dsn)
        host, port = parts.hostname or "localhost", parts.port
    except (ConfigError, ValueError):
        return redact(dsn)
    return f"{host}:{port or DEFAULT_PORTS.get(dialect, 5432)}"


def _refused(exc: BaseException) -> bool:
    if isinstance(exc, ConnectionRefusedError):
        return True
    text = str(exc)
    return isinstance(exc, OSError) and (
        exc.errno == errno.ECONNREFUSED or "[Errno 111]" in text or "Connection refused" in text
    )


def _sqlite_file(dsn: str) -> Path | None:
    try:
        path = parse_dsn(dsn).sqlite_path
    except ConfigError:
        return None
    if not path or path == ":memory:":
        return None
    return Path("/" + path.lstrip("/") if path.startswith("//") else path)


def _missing_folder(dsn: str) -> str | None:
    """The SQLite file's folder does not exist: said before any connection is tried."""
    path = _sqlite_file(dsn)
    if path is None or path.parent.is_dir():
        return None
    return f"cannot open the SQLite database {path}: the folder {path.parent} does not exist"


def _sqlite_problem(exc: BaseException, dsn: str) -> str | None:
    if not isinstance(exc, sqlite3.OperationalError) or "unable to open" not in str(exc):
        return None
    path = _sqlite_file(dsn)
    if path is None:
        return None
    return _missing_folder(dsn) or f"cannot open the SQLite database {path}: {_first_line(exc)}"


def _database_problem(chain: list[BaseException], dsn: str | None) -> str | None:
    """One line for a database that cannot be used, from the innermost cause that says why."""
    target = redact(dsn) if dsn else "the database"
    where = _where(dsn) if dsn else "the database server"
    for exc in reversed(chain):  # innermost first: the driver's own error
        if dsn is not None and (line := _sqlite_problem(exc, dsn)):
            return line
        if _refused(exc):
            return f"cannot connect to {where} ({target}): connection refused; is the server up?"
        if isinstance(exc, socket.gaierror):
            return f"cannot resolve the host of {target}: {exc.strerror or exc}"
        if isinstance(exc, TimeoutError):
            return f"timed out connecting to {where} ({target})"
        sqlstate = getattr(exc, "sqlstate", None)
        if isinstance(sqlstate, str) and (sqlstate[:2] in REFUSALS or sqlstate == "42501"):
            return f"{target}: {_first_line(exc)} (SQLSTATE {sqlstate})"
    if any(isinstance(e, Unavailable) for e in chain):
        return f"cannot reach {target}: {_first_line(chain[-1])}"
    return None


def describe(exc: BaseException, dsn: str | None = None) -> str | None:
    """The one line that names what went wrong, or None when ``exc`` is not a known failure."""
    chain = _chain(exc)
    if isinstance(exc, ConfigError):
        return str(exc)
    line = _database_problem(chain, dsn)
    if line is not None:
        return line
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or _first_line(exc)}"
    return None


class CommandFailed(Exception):
    """A known failure, already put in one line; the command ends with it."""


@contextmanager
def database(service: str, dsn: str) -> Iterator[None]:
    """Turn a known failure of the storage work inside into ``CommandFailed``.

    A SQLite file whose folder is missing fails before anything connects (aiosqlite's
    worker thread would otherwise report the failed open once more, as a traceback).
    """
    missing = _missing_folder(dsn)
    if missing is not None:
        raise CommandFailed(f"{service}: {missing}")
    try:
        yield
    except CommandFailed:
        raise
    except Exception as exc:
        line = describe(exc, dsn)
        if line is None:
            raise
        raise CommandFailed(f"{service}: {line}") from exc
