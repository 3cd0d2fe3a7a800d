"""Spending a credential's config (decision 0024): one read-decide-write transaction, so of
many concurrent requests spending the same code exactly one succeeds, on SQLite and
PostgreSQL at SERIALIZABLE; and ``available_aal`` follows the credentials."""

from __future__ import annotations

import asyncio
from typing import Any

from roost.identity.identities.model import Credential
from roost.identity.sql.credentials import CredentialConfigs
from tests.identity.conftest import email
from tests.identity.sql.test_stores import Stores, person, with_stores


def test_a_code_is_spent_once_under_concurrency(dsn: str) -> None:
    async def body(s: Stores) -> None:
        ident = person(email())
        codes = {"recovery_codes": [{"hashed_code": "h", "used_at": None}]}
        ident.credentials["lookup_secret"] = Credential("lookup_secret", [str(ident.id)], codes)
        await s.add(ident)
        spender = CredentialConfigs(s.db, s.identities.nid)

        def decide(config: dict[str, Any]) -> dict[str, Any] | None:
            entry = config["recovery_codes"][0]
            if entry["used_at"]:
                return None
            entry["used_at"] = "now"
            return config

        results = await asyncio.gather(
            *(spender.spend(ident.id, "lookup_secret", decide) for _ in range(8))
        )
        assert sorted(results) == [False] * 7 + [True]
        assert not await spender.spend(ident.id, "totp", decide)  # no such credential
        found = await s.identities.get(ident.id)
        assert found is not None
        assert found.credentials["lookup_secret"].config["recovery_codes"][0]["used_at"] == "now"
        assert found.available_aal == "aal2"
        found.credentials.pop("lookup_secret")

        async def replace(conn: Any) -> None:
            await s.identities.replace(conn, found)

        await s.db.transaction(replace)
        again = await s.identities.get(ident.id)
        assert again is not None and again.available_aal == "aal1"

    with_stores(dsn, body)
