"""Tracebacks in the logs keep their frames and types, never an exception's message."""

from __future__ import annotations

import asyncio
import io
import logging

import asyncpg
import httpx
import pytest

from roost.core.logs import RedactingFormatter, describe, format_traceback
from tests.identity.conftest import serve_identity
from tests.support.pg import plain_dsn

SECRET = "alice@example.com"


def _raise() -> None:
    try:
        raise KeyError(SECRET)
    except KeyError as exc:
        raise ValueError(f"bad value {SECRET}") from exc


def test_traceback_without_messages() -> None:
    try:
        _raise()
    except ValueError as exc:
        text = format_traceback(exc)
    assert SECRET not in text
    assert "builtins.KeyError" in text and "builtins.ValueError" in text
    assert "_raise" in text  # the frames stay


def test_formatter_on_a_logger() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(message)s"))
    log = logging.getLogger("tests.core.logs")
    log.addHandler(handler)
    try:
        try:
            _raise()
        except ValueError:
            log.exception("unhandled error: %s", "ValueError")
    finally:
        log.removeHandler(handler)
    assert "unhandled error: ValueError" in stream.getvalue()
    assert SECRET not in stream.getvalue()


def test_describe_keeps_sqlstate() -> None:
    class DriverError(Exception):
        sqlstate = "22001"

    assert describe(DriverError(SECRET)).endswith("DriverError (SQLSTATE 22001)")


def test_a_failing_statement_logs_neither_parameters_nor_messages(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Issue 9 case 4: an unhandled database error logged e-mails, traits and metadata.

    The identity table is renamed under a running server on PostgreSQL, so
    the insert fails with an error no table of Roost's expects; the log gets
    the traceback (frames, types, SQLSTATE), never a value the request sent.
    """
    tmp = tmp_path_factory.mktemp("log-hygiene")
    server = serve_identity(tmp, "postgres", {})
    dsn: str = server.dsn  # type: ignore[attr-defined]
    sentinels = ["sentinel-4c1e@example.com", "sentinel-trait-9d2b", "sentinel-meta-51aa"]
    try:
        _sql(dsn, "ALTER TABLE identity_credential_identifiers RENAME TO moved_away")
        body = {
            "schema_id": "default",
            "traits": {"email": sentinels[0], "name": {"first": sentinels[1]}},
            "metadata_admin": {"note": sentinels[2]},
            "credentials": {"password": {"config": {"password": "sentinel-password-77e1"}}},
        }
        r = httpx.post(f"{server.urls['admin']}/admin/identities", json=body)
        assert r.status_code == 500, r.text
        assert not any(s in r.text for s in sentinels)
    finally:
        server.stop()
    text = server.log.read_text()
    assert "Traceback" in text and "SQLSTATE 42P01" in text, text[-2000:]
    for value in [*sentinels, "sentinel-password-77e1"]:
        assert value not in text, value


def _sql(dsn: str, statement: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(plain_dsn(dsn))
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())
