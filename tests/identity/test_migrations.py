"""Migrations on every backend: idempotent, seed Kratos's credential types, keep data;
the schema they build is the one ``sql/tables.py`` declares, and rows written at every
earlier step are read back at head through today's stores."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.identity.identities.model import Credential, Identity
from roost.identity.migrations import MIGRATIONS
from roost.identity.sql.errors import ErrorStore
from roost.identity.sql.flows import FlowStore
from roost.identity.sql.identities import IdentityStore, ensure_network
from roost.identity.sql.login_failures import LoginFailureStore
from roost.identity.sql.sessions import SessionStore
from roost.identity.sql.tables import CREDENTIAL_TYPES, credential_types, metadata
from roost.storage.database import Database
from roost.storage.migrate import Migrator
from tests.conftest import new_dsn
from tests.support.migrations import (
    Fixture,
    Lit,
    describe,
    describe_metadata,
    differences,
    migrate_with_rows,
)


def test_migrate_twice_and_read_back(dsn: str) -> None:
    async def run() -> None:
        db = Database(dsn)
        try:
            migrator = Migrator(db, "identity", MIGRATIONS)
            assert len(await migrator.up()) == len(MIGRATIONS)
            nid = await ensure_network(db)
            store = IdentityStore(db, nid)
            ident = Identity(schema_id="default", traits={"email": "m@r.co"})
            ident.credentials["password"] = Credential(
                "password", ["m@r.co"], {"hashed_password": "$2a$04$" + "a" * 53}
            )

            async def insert(conn: AsyncConnection) -> None:
                await store.insert(conn, ident)

            await db.transaction(insert)
            assert await migrator.up() == []
            assert await ensure_network(db) == nid
            got = await store.by_identifier("password", "m@r.co")
            assert got is not None and got.id == ident.id
            async with db.engine.connect() as conn:
                rows = dict(
                    (
                        await conn.execute(select(credential_types.c.name, credential_types.c.id))
                    ).all()
                )
                assert {k: uuid.UUID(str(v)) for k, v in rows.items()} == CREDENTIAL_TYPES
                count = await conn.scalar(
                    text("SELECT count(*) FROM identity_credential_identifiers")
                )
                assert count == 1
        finally:
            await db.close()

    asyncio.run(run())


NID = uuid.UUID("0b7a4c1e-2a51-4d0e-9a43-7f6c2b1d9e01")
IDENTITY = uuid.UUID("6a1f7c2e-5b3d-4e8f-9a01-23456789abcd")
CREDENTIAL = uuid.UUID("7b2f8d3f-6c4e-4f90-8b12-3456789abcde")
FLOW = uuid.UUID("8c3a9e40-7d5f-4a01-9c23-456789abcdef")
TOKEN = "ory_st_" + "a1B2c3D4" * 4
HASH = "$2a$04$" + "b" * 53
VERSIONS = [m.version for m in MIGRATIONS]


def test_versions_are_the_ones_existing_databases_recorded() -> None:
    assert VERSIONS == [
        "20261128100001",
        "20261128100002",
        "20261128100003",
        "20261128100004",
        "20261128100005",
        "20261128100006",
        "20261128100007",
        "20261129100001",
        "20261206100001",
        "20261206200001",
        "20261206900001",
        "20261207300001",
        "20261207300002",
        "20261207400001",
    ]


def test_migrations_build_the_schema_tables_py_declares(
    dsn: str, backend: str, tmp_path: Path
) -> None:
    async def run() -> None:
        db = Database(dsn)
        try:
            await Migrator(db, "identity", MIGRATIONS).up()
            got = await describe(db)
        finally:
            await db.close()
        want = await describe_metadata(new_dsn(backend, tmp_path), metadata)
        assert differences(got, want) == []

    asyncio.run(run())


def _stamps(x: Lit) -> str:
    at = x.ts("2026-11-28 10:00:00")
    return f"{at}, {at}, {x.uuid(NID)}"


def _network(x: Lit) -> list[str]:
    at = x.ts("2026-11-28 09:00:00")
    return [f"INSERT INTO networks (id, created_at, updated_at) VALUES ({x.uuid(NID)}, {at}, {at})"]


def _identities(x: Lit) -> list[str]:
    traits = x.json({"email": "m@r.co"})
    password = x.uuid(CREDENTIAL_TYPES["password"])
    config = x.json({"hashed_password": HASH})
    return [
        "INSERT INTO identities (id, schema_id, traits, created_at, updated_at, nid, state) "
        f"VALUES ({x.uuid(IDENTITY)}, 'default', {traits}, {_stamps(x)}, 'active')",
        "INSERT INTO identity_credentials (id, config, identity_credential_type_id, identity_id, "
        f"created_at, updated_at, nid, version) VALUES ({x.uuid(CREDENTIAL)}, {config}, "
        f"{password}, {x.uuid(IDENTITY)}, {_stamps(x)}, 0)",
        "INSERT INTO identity_credential_identifiers (id, identifier, identity_credential_id, "
        "created_at, updated_at, nid, identity_credential_type_id) VALUES "
        f"({x.uuid(uuid.uuid4())}, 'm@r.co', {x.uuid(CREDENTIAL)}, {_stamps(x)}, {password})",
    ]


def _addresses(x: Lit) -> list[str]:
    return [
        "INSERT INTO identity_verifiable_addresses (id, via, value, status, verified, "
        "verified_at, identity_id, created_at, updated_at, nid) VALUES "
        f"({x.uuid(uuid.uuid4())}, 'email', 'm@r.co', 'completed', {x.bool(True)}, "
        f"{x.ts('2026-11-28 10:05:00')}, {x.uuid(IDENTITY)}, {_stamps(x)})"
    ]


def _sessions(x: Lit) -> list[str]:
    methods = x.json([{"method": "password", "aal": "aal1"}])
    far, at = x.ts("2099-01-01 00:00:00"), x.ts("2026-11-28 10:00:00")
    return [
        "INSERT INTO sessions (id, issued_at, expires_at, authenticated_at, identity_id, "
        "created_at, updated_at, nid, token, logout_token, active, aal, authentication_methods) "
        f"VALUES ({x.uuid(uuid.uuid4())}, {at}, {far}, {at}, {x.uuid(IDENTITY)}, {_stamps(x)}, "
        f"'{TOKEN}', 'ory_lo_{'z' * 32}', {x.bool(True)}, 'aal1', {methods})"
    ]


def _flows(x: Lit) -> list[str]:
    far, ui = x.ts("2099-01-01 00:00:00"), x.json({"nodes": [], "messages": []})
    return [
        "INSERT INTO selfservice_login_flows (id, request_url, issued_at, expires_at, csrf_token, "
        "created_at, updated_at, nid, type, ui, forced, requested_aal, internal_context, state, "
        f"submit_count) VALUES ({x.uuid(FLOW)}, 'http://127.0.0.1:4433/self-service/login/api', "
        f"{x.ts('2026-11-28 10:00:00')}, {far}, '', {_stamps(x)}, 'api', {ui}, {x.bool(False)}, "
        f"'aal1', {x.json({})}, 'choose_method', 0)"
    ]


def _failures(x: Lit) -> list[str]:
    return [
        "INSERT INTO roost_login_failures (nid, identifier_key, failures, first_failed_at) "
        f"VALUES ({x.uuid(NID)}, '{'k' * 64}', 3, {x.ts('2026-11-29 10:00:00')})"
    ]


SETTINGS_FLOW = uuid.UUID("9d4b0f51-8e60-4b12-8d34-56789abcdef0")
ERROR = uuid.UUID("ae5c1062-9f71-4c23-9e45-6789abcdef01")


def _settings_and_errors(x: Lit) -> list[str]:
    far, ui = x.ts("2099-01-01 00:00:00"), x.json({"nodes": [], "messages": []})
    error = x.json({"status": "Forbidden"})
    return [
        "INSERT INTO selfservice_settings_flows (id, request_url, issued_at, expires_at, "
        "identity_id, created_at, updated_at, nid, active_method, ui, state, type, "
        f"internal_context, csrf_token) VALUES ({x.uuid(SETTINGS_FLOW)}, "
        f"'http://127.0.0.1:4433/self-service/settings/browser', {x.ts('2026-12-06 20:00:00')}, "
        f"{far}, {x.uuid(IDENTITY)}, {_stamps(x)}, NULL, {ui}, 'show_form', 'browser', "
        f"{x.json({})}, 'masked')",
        "INSERT INTO selfservice_errors (id, errors, was_seen, csrf_token, created_at, "
        f"updated_at, nid) VALUES ({x.uuid(ERROR)}, {error}, {x.bool(False)}, '', {_stamps(x)})",
    ]


FIXTURES: dict[str, Fixture] = {
    "20261128100001": _network,
    "20261128100004": _identities,
    "20261128100005": _addresses,
    "20261128100006": _sessions,
    "20261128100007": _flows,
    "20261129100001": _failures,
    "20261206200001": _settings_and_errors,
}


@pytest.mark.parametrize("stop", VERSIONS)
def test_rows_written_at_each_step_are_read_back_at_head(dsn: str, stop: str) -> None:
    async def run() -> None:
        db = Database(dsn)
        try:
            await migrate_with_rows(db, "identity", MIGRATIONS, FIXTURES, stop)
            assert await ensure_network(db) == NID
            identities = IdentityStore(db, NID)
            found = await identities.by_identifier("password", "m@r.co")
            assert (found is not None) == (stop >= "20261128100004")
            if found is not None:
                assert found.id == IDENTITY and found.traits == {"email": "m@r.co"}
                assert found.credentials["password"].config == {"hashed_password": HASH}
                verified = [(a.value, a.verified) for a in found.verifiable_addresses]
                assert verified == ([("m@r.co", True)] if stop >= "20261128100005" else [])
            session = await SessionStore(db, NID, identities).by_token(TOKEN)
            assert (session is not None) == (stop >= "20261128100006")
            if session is not None:
                assert session.identity_id == IDENTITY and session.active
            flow = await FlowStore(db, NID).get("login", FLOW)
            assert (flow is not None) == (stop >= "20261128100007")
            settings = await FlowStore(db, NID).get("settings", SETTINGS_FLOW)
            assert (settings is not None) == (stop >= "20261206200001")
            if settings is not None:
                assert settings.identity_id == IDENTITY and settings.csrf_token == "masked"
                stored = await ErrorStore(db, NID).get(ERROR)
                assert stored is not None and stored.error["status"] == "Forbidden"
            failures = LoginFailureStore(db, NID)
            counted = await failures.get("k" * 64, datetime(2026, 1, 1))
            assert counted == ((3, True) if stop >= "20261129100001" else (0, False))
        finally:
            await db.close()

    asyncio.run(run())
