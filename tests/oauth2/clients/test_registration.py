"""Dynamic client registration (``/oauth2/register``) through Ory's SDK, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from ory_hydra_client import ApiClient, Configuration
from ory_hydra_client.api.oidc_api import OidcApi
from ory_hydra_client.exceptions import ApiException
from ory_hydra_client.models import OAuth2Client

from tests.conftest import BACKENDS
from tests.oauth2.conftest import Hydra, serve_oauth2

ENABLED = {"oidc": {"dynamic_client_registration": {"enabled": True}}}


@pytest.fixture(scope="module", params=BACKENDS)
def open_hydra(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hydra]:
    h = serve_oauth2(tmp_path_factory.mktemp(f"dcr-{request.param}"), request.param, ENABLED)
    yield h
    h.server.stop()


def _oidc(h: Hydra, token: str | None = None) -> OidcApi:
    return OidcApi(ApiClient(Configuration(host=h.public, access_token=token)))


def test_register_read_update_delete(open_hydra: Hydra) -> None:
    h = open_hydra
    created = _oidc(h).create_oidc_dynamic_client(
        OAuth2Client(
            client_name="self-service",
            grant_types=["client_credentials"],
            redirect_uris=["https://rp.example/cb"],
            scope="read",
        )
    )
    assert created.client_id and created.client_secret and created.registration_access_token
    assert created.registration_client_uri == f"{h.public}/oauth2/register/{created.client_id}"
    discovery = httpx.get(f"{h.public}/.well-known/openid-configuration").json()
    assert discovery["registration_endpoint"] == f"{h.public}/oauth2/register"

    # The secret works at the token endpoint.
    token = httpx.post(
        f"{h.public}/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "read"},
        auth=(created.client_id, created.client_secret),
    )
    assert token.status_code == 200, token.text

    got = _oidc(h, created.registration_access_token).get_oidc_dynamic_client(created.client_id)
    assert got.client_name == "self-service" and not got.client_secret
    for bad in ("x", "ory_at_forged.sig", created.client_secret):
        response = httpx.get(
            created.registration_client_uri, headers={"Authorization": f"Bearer {bad}"}
        )
        assert response.status_code == 401, bad
        assert response.json()["status_code"] == 401

    updated = _oidc(h, created.registration_access_token).set_oidc_dynamic_client(
        created.client_id,
        OAuth2Client(
            client_name="renamed",
            grant_types=["client_credentials"],
            redirect_uris=["https://rp.example/cb"],
            scope="read",
        ),
    )
    assert updated.client_name == "renamed" and updated.registration_access_token
    assert updated.registration_access_token != created.registration_access_token
    with pytest.raises(ApiException) as err:
        _oidc(h, created.registration_access_token).get_oidc_dynamic_client(created.client_id)
    assert err.value.status == 401
    # The secret is kept across the update.
    token = httpx.post(
        f"{h.public}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(created.client_id, created.client_secret),
    )
    assert token.status_code == 200, token.text

    _oidc(h, updated.registration_access_token).delete_oidc_dynamic_client(created.client_id)
    assert httpx.get(f"{h.admin}/admin/clients/{created.client_id}").status_code == 404
    with pytest.raises(ApiException) as err:
        _oidc(h, updated.registration_access_token).get_oidc_dynamic_client(created.client_id)
    assert err.value.status == 401


def test_registration_refuses_what_hydra_refuses(open_hydra: Hydra) -> None:
    url = f"{open_hydra.public}/oauth2/register"
    chosen = httpx.post(url, json={"client_secret": "my-own-secret"})
    assert chosen.status_code == 403 and chosen.json()["status_code"] == 403
    for field, value in (
        ("metadata", {"a": 1}),
        ("skip_consent", True),
        ("access_token_strategy", "jwt"),
        ("skip_logout_consent", True),
    ):
        response = httpx.post(url, json={field: value})
        assert response.status_code == 400, field
        assert response.json()["error"] == "invalid_client_metadata"
    for body in (b"[]", b"{", b'{"redirect_uris": "x"}'):
        response = httpx.post(url, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400 and response.json()["status_code"] == 400
    # The client id is always the server's choice.
    chosen_id = httpx.post(url, json={"client_id": "mine", "token_endpoint_auth_method": "none"})
    assert chosen_id.status_code == 201 and chosen_id.json()["client_id"] != "mine"
    assert "client_secret" not in chosen_id.json()


def test_registration_is_off_by_default(hydra: Hydra) -> None:
    paths = (("POST", "/oauth2/register"), ("GET", "/oauth2/register/x"),
             ("PUT", "/oauth2/register/x"), ("DELETE", "/oauth2/register/x"))  # fmt: skip
    for method, path in paths:
        response = httpx.request(method, f"{hydra.public}{path}", json={})
        assert response.status_code == 404, (method, path)
        assert response.json()["status_code"] == 404
    discovery = httpx.get(f"{hydra.public}/.well-known/openid-configuration").json()
    assert "registration_endpoint" not in discovery
