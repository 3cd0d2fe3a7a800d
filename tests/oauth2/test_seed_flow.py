"""The seed tutorial's "Test Ory Hydra" section, command for command, then its SQL.

``roost oauth2`` stands in for ``hydra``; the two read-back queries run
unchanged on PostgreSQL (on SQLite without the ``public.`` schema prefix).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from typing import Any

import asyncpg

from tests.oauth2.conftest import Hydra

CLIENT_SQL = (
    "SELECT id, client_secret, scope, client_secret_expires_at, jwks, token_endpoint_auth_method, "
    "request_object_signing_alg, userinfo_signed_response_alg, subject_type, created_at, "
    "updated_at, metadata, registration_access_token_signature, redirect_uris, grant_types, "
    "response_types FROM public.hydra_client;"
)
ACCESS_SQL = (
    "SELECT signature, request_id, requested_at, client_id, form_data, session_data, subject, "
    "active, challenge_id, expires_at FROM public.hydra_oauth2_access;"
)


def roost(*args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "roost", "oauth2", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def query(h: Hydra, sql: str) -> list[dict[str, Any]]:
    if h.backend == "sqlite":
        import sqlite3

        path = h.dsn.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql.replace("public.", ""))]

    async def run() -> list[dict[str, Any]]:
        conn = await asyncpg.connect(h.dsn.replace("postgres://", "postgresql://", 1))
        try:
            return [dict(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()

    return asyncio.run(run())


def test_seed_flow(hydra: Hydra) -> None:
    # 1. Create the OAuth2 client
    out = roost(
        "create", "oauth2-client", "--endpoint", hydra.admin, "--format", "json",
        "--grant-type", "client_credentials",
    )  # fmt: skip
    client = json.loads(out)
    assert client["grant_types"] == ["client_credentials"]
    assert client["response_types"] == ["code"]
    assert client["token_endpoint_auth_method"] == "client_secret_basic"
    assert client["scope"] == "offline_access offline openid"
    assert client["subject_type"] == "public"
    assert client["request_object_signing_alg"] == "RS256"
    assert client["userinfo_signed_response_alg"] == "none"
    assert client["jwks"] == {} and client["metadata"] == {}
    assert client["registration_access_token"].startswith("ory_at_")
    assert len(client["client_secret"]) == 26
    client_id, secret = client["client_id"], client["client_secret"]

    # 2. Generate an access token (the endpoint via ORY_SDK_URL, as Hydra allows)
    out = roost(
        "perform", "client-credentials", "--client-id", client_id, "--client-secret", secret,
        env={"ORY_SDK_URL": hydra.public},
    )  # fmt: skip
    lines = out.splitlines()
    assert lines[0].startswith("ACCESS TOKEN\tory_at_")
    assert lines[1] == "REFRESH TOKEN\t<empty>"
    assert lines[2] == "ID TOKEN\t<empty>"
    assert re.match(r"^EXPIRY\t\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \S+$", lines[3])
    token = lines[0].split("\t")[1]
    assert re.fullmatch(r"ory_at_[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}", token)

    # 3. Introspect it
    out = roost("introspect", "token", "--format", "json-pretty", "--endpoint", hydra.admin, token)
    assert out.startswith("{\n  ")
    info = json.loads(out)
    assert info["active"] is True
    assert info["client_id"] == client_id and info["sub"] == client_id
    assert info["token_type"] == "Bearer" and info["token_use"] == "access_token"
    assert info["exp"] - info["iat"] == 3600 and info["nbf"] == info["iat"]
    assert info["iss"] == hydra.public

    # 4. The SQL read-back
    clients = [r for r in query(hydra, CLIENT_SQL) if r["id"] == client_id]
    assert len(clients) == 1
    row = clients[0]
    assert re.fullmatch(
        r"\$pbkdf2-sha256\$i=1000,l=32\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}", row["client_secret"]
    )
    assert secret not in json.dumps(row, default=str)
    assert row["scope"] == "offline_access offline openid"
    assert row["jwks"] == "{}" and row["metadata"] == "{}"
    assert row["token_endpoint_auth_method"] == "client_secret_basic"
    assert row["subject_type"] == "public"
    assert json.loads(row["grant_types"]) == ["client_credentials"]
    assert json.loads(row["redirect_uris"]) == []
    assert len(row["registration_access_token_signature"]) == 43

    tokens = [r for r in query(hydra, ACCESS_SQL) if r["client_id"] == client_id]
    assert len(tokens) == 1
    tok = tokens[0]
    assert tok["form_data"] == "grant_type=client_credentials"
    assert tok["subject"] == client_id
    assert tok["active"] in (True, 1)
    assert tok["challenge_id"] is None
    assert tok["expires_at"] is not None
    assert len(tok["signature"]) == 96  # hex SHA-384 of the token's signature
    assert token not in json.dumps(tok, default=str)
    assert token.split(".")[1] not in json.dumps(tok, default=str)
    assert not tok["session_data"].startswith("{")  # sealed with AES-GCM at rest
