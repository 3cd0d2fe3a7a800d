"""On SQLite, UUID columns hold what the API writes (docs/decisions/0026), after a
client, a token and a consent flow went through a real server."""

from __future__ import annotations

import httpx

from tests.oauth2.conftest import Hydra
from tests.support.uuid_text import not_in_api_form, query, sqlite_file


def test_uuid_columns_hold_the_apis_form(hydra_sqlite: Hydra) -> None:
    client = hydra_sqlite.create_client(
        grant_types=["client_credentials"], token_endpoint_auth_method="client_secret_post"
    )
    r = httpx.post(
        f"{hydra_sqlite.public}/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
    )
    assert r.status_code == 200, r.text
    path = sqlite_file(hydra_sqlite.dsn)
    assert query(path, "SELECT count(*) FROM hydra_oauth2_access")[0][0] >= 1
    (nid,) = query(path, "SELECT nid FROM hydra_client WHERE id = ?", client["client_id"])[0]
    assert query(path, "SELECT id FROM networks") == [(nid,)]
    assert not_in_api_form(path) == []
