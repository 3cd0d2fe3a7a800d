"""The OAuth2 service's frozen migrations: the schema they build is the one
``sql/tables.py`` declares, and rows written at every earlier step are read back at
head through today's stores."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from pathlib import Path

import orjson
import pytest

from roost.core.errors import Conflict
from roost.oauth2.migrations import MIGRATIONS
from roost.oauth2.sql.client_failures import ClientAuthFailureStore
from roost.oauth2.sql.clients import ClientStore
from roost.oauth2.sql.keys import KeyStore
from roost.oauth2.sql.logout import LogoutStore
from roost.oauth2.sql.network import ensure_network
from roost.oauth2.sql.tables import LIFESPANS, LIST_FIELDS, metadata
from roost.oauth2.sql.tokens import TokenStore
from roost.oauth2.sql.trust import TrustStore
from roost.oauth2.tokens.aead import AEAD
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

NID = uuid.UUID("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
ISSUER = uuid.UUID("2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60")
AEAD_ = AEAD(["a-system-secret-of-at-least-32-characters"])
KEY = {"kty": "oct", "kid": "k1", "k": "c2VjcmV0LWtleS1tYXRlcmlhbA"}
SECRET_HASH = "$pbkdf2-sha256$i=25000,l=32$c2FsdA$" + "h" * 43
VERSIONS = [m.version for m in MIGRATIONS]


def test_versions_are_the_ones_existing_databases_recorded() -> None:
    assert VERSIONS == [
        "20261128100001",
        "20261128100002",
        "20261128100003",
        "20261128100004",
        "20261204100005",
        "20261206100006",
        "20261206100007",
        "20261206100008",
        "20261206100009",
        "20261206900001",
        "20261207100010",
        "20261207100011",
    ]


def test_migrations_build_the_schema_tables_py_declares(
    dsn: str, backend: str, tmp_path: Path
) -> None:
    async def run() -> None:
        db = Database(dsn)
        try:
            await Migrator(db, "oauth2", MIGRATIONS).up()
            got = await describe(db)
        finally:
            await db.close()
        want = await describe_metadata(new_dsn(backend, tmp_path), metadata)
        assert differences(got, want) == []

    asyncio.run(run())


def _network(x: Lit) -> list[str]:
    at = x.ts("2026-11-28 09:00:00")
    return [f"INSERT INTO networks (id, created_at, updated_at) VALUES ({x.uuid(NID)}, {at}, {at})"]


def _client(x: Lit) -> list[str]:
    lists: dict[str, list[str]] = {name: [] for name in LIST_FIELDS}
    lists["grant_types"] = ["client_credentials"]
    at = x.ts("2026-11-28 10:00:00")
    columns = ["id", "nid", "client_secret", "client_name", "created_at", "updated_at"]
    values = ["'c1'", x.uuid(NID), f"'{SECRET_HASH}'", "'seed client'", at, at]
    columns += [*lists, "frontchannel_logout_session_required"]
    values += [*(x.json(v) for v in lists.values()), x.bool(False)]
    columns += ["backchannel_logout_session_required", "skip_consent", LIFESPANS[3]]
    values += [x.bool(False), x.bool(False), str(3600 * 10**9)]
    return [f"INSERT INTO hydra_client ({', '.join(columns)}) VALUES ({', '.join(values)})"]


def _token(x: Lit) -> list[str]:
    at, later = x.ts("2026-11-28 10:00:00"), x.ts("2099-01-01 00:00:00")
    return [
        "INSERT INTO hydra_oauth2_access (signature, request_id, requested_at, client_id, scope, "
        "granted_scope, form_data, session_data, subject, active, requested_audience, "
        f"granted_audience, nid, expires_at) VALUES ('sig-1', 'req-1', {at}, 'c1', 'read|write', "
        f"'read', '', '{{\"ext\":{{}}}}', 'c1', {x.bool(True)}, '', '', {x.uuid(NID)}, {later})"
    ]


def _keys_and_trust(x: Lit) -> list[str]:
    at, later = x.ts("2026-11-28 10:00:00"), x.ts("2099-01-01 00:00:00")
    sealed = AEAD_.encrypt(orjson.dumps(KEY))
    return [
        "INSERT INTO hydra_jwk (pk, sid, kid, nid, version, keydata, created_at) VALUES "
        f"({x.uuid(uuid.uuid4())}, 'set-1', 'k1', {x.uuid(NID)}, 0, '{sealed}', {at})",
        "INSERT INTO hydra_oauth2_jti_blacklist (signature, nid, expires_at) VALUES "
        f"('jti-1', {x.uuid(NID)}, {later})",
        "INSERT INTO hydra_oauth2_trusted_jwt_bearer_issuer (id, issuer, subject, "
        "allow_any_subject, scope, key_set, key_id, created_at, expires_at, nid) VALUES "
        f"({x.uuid(ISSUER)}, 'https://idp.example', 'alice', {x.bool(False)}, 'read', 'set-1', "
        f"'k1', {at}, {later}, {x.uuid(NID)})",
    ]


def _auth_failure(x: Lit) -> list[str]:
    at = x.ts("2026-12-06 10:00:00")
    return [
        "INSERT INTO roost_client_auth_failures (nid, identifier_key, failures, first_failed_at) "
        f"VALUES ({x.uuid(NID)}, '{'k' * 64}', 3, {at})"
    ]


def _logout(x: Lit) -> list[str]:
    at, later = x.ts("2026-12-06 10:00:00"), x.ts("2099-01-01 00:00:00")
    no, yes = x.bool(False), x.bool(True)
    return [
        "INSERT INTO hydra_oauth2_logout_request (challenge, verifier, subject, sid, client_id, "
        "nid, request_url, redir_url, was_used, accepted, rejected, rp_initiated, expires_at, "
        f"requested_at) VALUES ('{LOGOUT_ID}', NULL, 'alice', 'sid-1', 'c1', {x.uuid(NID)}, "
        f"'https://op/oauth2/sessions/logout', 'https://rp/bye', {no}, {no}, {no}, {yes}, "
        f"{later}, {at})"
    ]


FIXTURES: dict[str, Fixture] = {
    "20261128100001": _network,
    "20261128100002": _client,
    "20261128100003": _token,
    "20261128100004": _keys_and_trust,
    "20261206100006": _logout,
    "20261206100009": _auth_failure,
}
LOGOUT_ID = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"


@pytest.mark.parametrize("stop", VERSIONS)
def test_rows_written_at_each_step_are_read_back_at_head(dsn: str, stop: str) -> None:
    async def run() -> None:
        db = Database(dsn)
        try:
            await migrate_with_rows(db, "oauth2", MIGRATIONS, FIXTURES, stop)
            assert await ensure_network(db) == NID
            client = await ClientStore(db, NID).get("c1")
            assert (client is not None) == (stop >= "20261128100002")
            if client is not None:
                assert client.doc["client_name"] == "seed client"
                assert client.doc["grant_types"] == ["client_credentials"]
                assert client.secret_hash == SECRET_HASH and client.rotated_hashes == ()
            tokens = TokenStore(db, NID, AEAD_)
            token = await tokens.get_access("sig-1")
            assert (token is not None) == (stop >= "20261128100003")
            if token is not None:
                assert token.client_id == "c1" and token.granted_scope == ["read"]
            keys = await KeyStore(db, NID, AEAD_).get("set-1")
            assert keys == ([KEY] if stop >= "20261128100004" else [])
            issuer = await TrustStore(db, NID, AEAD_).get(ISSUER)
            assert (issuer is not None) == (stop >= "20261128100004")
            if stop >= "20261128100004":
                with pytest.raises(Conflict):
                    await tokens.use_jti("jti-1", datetime(2099, 1, 2), datetime(2026, 12, 1))
            failures = ClientAuthFailureStore(db, NID)
            counted = await failures.get("k" * 64, datetime(2026, 12, 6, 9))
            assert counted == ((3, True) if stop >= "20261206100009" else (0, False))
            logout = await LogoutStore(db, NID).get(LOGOUT_ID)
            assert (logout is not None) == (stop >= "20261206100006")
            if logout is not None:
                assert logout.subject == "alice" and logout.rp_initiated and not logout.was_used
                assert logout.redir_url == "https://rp/bye" and logout.client_id == "c1"
        finally:
            await db.close()

    asyncio.run(run())
