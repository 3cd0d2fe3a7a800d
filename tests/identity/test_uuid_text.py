"""On SQLite, ids read straight from the tables are the ids the API answers with
(issue 9, item 8; docs/decisions/0026): lower-case, dashed, 36 characters."""

from __future__ import annotations

import pytest

from tests.identity.conftest import Kratos, email
from tests.identity.test_seed_flow import SEED_SQL, login, register
from tests.support.uuid_text import not_in_api_form, query, sqlite_file

KRATOS_PASSWORD_TYPE = "78c1b41d-8341-4507-aa60-aff1d4369670"


def test_ids_in_the_tables_equal_the_apis(kratos: Kratos) -> None:
    if not kratos.dsn.startswith("sqlite"):
        pytest.skip("PostgreSQL and CockroachDB keep native UUID columns")
    address = email()
    registered = register(kratos, address)
    session = login(kratos, address).session
    ident = kratos.admin.get_identity(registered.identity.id)
    path = sqlite_file(kratos.dsn)

    seed = [r for r in query(path, SEED_SQL.replace("public.", "")) if r[0] == ident.id]
    assert len(seed) == 1  # the seed's read-back finds the API's id as it is
    rows = query(path, "SELECT id, identity_id FROM sessions WHERE id = ?", session.id)
    assert rows == [(session.id, ident.id)]
    types = query(
        path,
        "SELECT identity_credential_type_id FROM identity_credentials WHERE identity_id = ?",
        ident.id,
    )
    assert types == [(KRATOS_PASSWORD_TYPE,)]  # Kratos's fixed id, as Kratos stores it
    assert not_in_api_form(path) == []
