"""Client secret rotation (``/admin/clients/{id}/secrets/rotate``, Hydra after v25), over HTTP.

Ory's SDK 25.4.0 has no methods for it, so the calls are plain httpx.
"""

from __future__ import annotations

import httpx

from tests.oauth2.conftest import Hydra


def _works(hydra: Hydra, client_id: str, secret: str) -> bool:
    response = httpx.post(
        f"{hydra.public}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
    )
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


def test_rotated_secrets_keep_working_until_dropped(hydra: Hydra) -> None:
    client = hydra.create_client(grant_types=["client_credentials"])
    cid, first = client["client_id"], client["client_secret"]
    url = f"{hydra.admin}/admin/clients/{cid}/secrets/rotate"
    secrets = [first]
    for _ in range(6):
        response = httpx.post(url)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["client_id"] == cid and body["client_secret"] not in secrets
        secrets.append(body["client_secret"])
    assert not _works(hydra, cid, first)  # only the last five rotated ones are kept
    assert all(_works(hydra, cid, s) for s in secrets[1:])
    assert "client_secret" not in httpx.get(f"{hydra.admin}/admin/clients/{cid}").json()

    dropped = httpx.delete(url)
    assert dropped.status_code == 200 and "client_secret" not in dropped.json()
    assert _works(hydra, cid, secrets[-1])
    assert not any(_works(hydra, cid, s) for s in secrets[:-1])
    # A PUT without a secret changes neither the secret nor the rotation.
    httpx.post(url)
    put = httpx.put(
        f"{hydra.admin}/admin/clients/{cid}",
        json={"client_name": "renamed", "grant_types": ["client_credentials"]},
    )
    assert put.status_code == 200, put.text
    assert _works(hydra, cid, secrets[-1])


def test_rotation_errors(hydra: Hydra) -> None:
    for method in ("POST", "DELETE"):
        response = httpx.request(method, f"{hydra.admin}/admin/clients/nope/secrets/rotate")
        assert response.status_code == 404 and response.json()["status_code"] == 404
    public = hydra.create_client(token_endpoint_auth_method="none")
    response = httpx.post(f"{hydra.admin}/admin/clients/{public['client_id']}/secrets/rotate")
    assert response.status_code == 400 and response.json()["status_code"] == 400
