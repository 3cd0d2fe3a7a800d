"""The official ``ory-hydra-client`` SDK against a running server, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from ory_hydra_client import ApiClient, Configuration
from ory_hydra_client.api.jwk_api import JwkApi
from ory_hydra_client.api.o_auth2_api import OAuth2Api
from ory_hydra_client.api.oidc_api import OidcApi
from ory_hydra_client.api.wellknown_api import WellknownApi
from ory_hydra_client.exceptions import ApiException
from ory_hydra_client.models import (
    CreateJsonWebKeySet,
    JsonPatch,
    JsonWebKey,
    OAuth2Client,
    OAuth2ClientTokenLifespans,
    TrustOAuth2JwtGrantIssuer,
)

from tests.oauth2.conftest import Hydra


@pytest.fixture
def admin(hydra: Hydra) -> Iterator[OAuth2Api]:
    with ApiClient(Configuration(host=hydra.admin)) as client:
        yield OAuth2Api(client)


def _public(hydra: Hydra, client_id: str = "", secret: str = "") -> ApiClient:
    return ApiClient(Configuration(host=hydra.public, username=client_id, password=secret))


def test_client_crud(hydra: Hydra, admin: OAuth2Api) -> None:
    owner = f"owner-{uuid.uuid4()}"
    created = admin.create_o_auth2_client(
        OAuth2Client(
            client_name="sdk",
            owner=owner,
            grant_types=["client_credentials"],
            redirect_uris=["https://app.example/cb"],
            scope="read write",
            audience=["https://api.example"],
            metadata={"team": "a"},
        )
    )
    assert created.client_id and created.client_secret
    assert created.token_endpoint_auth_method == "client_secret_basic"
    fetched = admin.get_o_auth2_client(created.client_id)
    assert fetched.client_secret is None
    assert fetched.redirect_uris == ["https://app.example/cb"]
    assert fetched.metadata == {"team": "a"}

    fetched.client_name = "renamed"
    fetched.client_secret = None
    updated = admin.set_o_auth2_client(created.client_id, fetched)
    assert updated.client_name == "renamed"
    assert updated.created_at == created.created_at

    patched = admin.patch_o_auth2_client(
        created.client_id,
        [JsonPatch(op="replace", path="/scope", value="read"),
         JsonPatch(op="add", path="/audience/-", value="https://other.example")],
    )  # fmt: skip
    assert patched.scope == "read"
    assert patched.audience == ["https://api.example", "https://other.example"]

    spans = admin.set_o_auth2_client_lifespans(
        created.client_id,
        OAuth2ClientTokenLifespans(client_credentials_grant_access_token_lifespan="30m"),
    )
    assert spans.client_credentials_grant_access_token_lifespan == "30m0s"

    # the secret survived PUT and PATCH: it still authenticates
    response = httpx.post(
        f"{hydra.public}/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "read"},
        auth=(created.client_id, created.client_secret),
    )
    assert response.status_code == 200, response.text
    assert response.json()["expires_in"] == 1800
    listed = admin.list_o_auth2_clients(owner=owner)
    assert [c.client_id for c in listed] == [created.client_id]
    admin.delete_o_auth2_client(created.client_id)
    with pytest.raises(ApiException) as err:
        admin.get_o_auth2_client(created.client_id)
    assert err.value.status == 404


def test_pagination_link_headers(admin: OAuth2Api) -> None:
    owner = f"pages-{uuid.uuid4()}"
    ids = sorted(
        admin.create_o_auth2_client(OAuth2Client(owner=owner, client_name=f"c{i}")).client_id
        for i in range(5)
    )
    seen: list[str] = []
    token = None
    for _ in range(5):
        response = admin.list_o_auth2_clients_with_http_info(
            page_size=2, page_token=token, owner=owner
        )
        seen += [c.client_id for c in response.data]
        link = {k.lower(): v for k, v in (response.headers or {}).items()}.get("link", "")
        assert 'rel="first"' in link
        if 'rel="next"' not in link:
            break
        nxt = httpx.URL(link.split('rel="first", <')[1].split(">")[0])
        token = nxt.params["page_token"]
        assert nxt.params["owner"] == owner
    assert seen == ids
    name_filtered = admin.list_o_auth2_clients(client_name="c3", owner=owner)
    assert len(name_filtered) == 1


def test_token_introspect_revoke(hydra: Hydra, admin: OAuth2Api) -> None:
    c = admin.create_o_auth2_client(
        OAuth2Client(
            grant_types=["client_credentials"], scope="read write", audience=["https://api.example"]
        )
    )
    with _public(hydra, c.client_id, c.client_secret) as api:
        public = OAuth2Api(api)
        # the SDK's token call has no scope/audience parameters: it gets an unscoped token
        plain = public.oauth2_token_exchange(grant_type="client_credentials")
        assert plain.token_type == "bearer" and plain.access_token.startswith("ory_at_")
        assert admin.introspect_o_auth2_token(plain.access_token).active
        response = httpx.post(
            f"{hydra.public}/oauth2/token",
            data={"grant_type": "client_credentials", "scope": "read",
                  "audience": "https://api.example"},
            auth=(c.client_id, c.client_secret),
        )  # fmt: skip
        assert response.status_code == 200, response.text
        access = response.json()["access_token"]
        info = admin.introspect_o_auth2_token(access, scope="read")
        assert info.active and info.scope == "read" and info.aud == ["https://api.example"]
        assert not admin.introspect_o_auth2_token(access, scope="write").active
        public.revoke_o_auth2_token(access)
        assert not admin.introspect_o_auth2_token(access).active


def test_delete_client_tokens(hydra: Hydra, admin: OAuth2Api) -> None:
    c = hydra.create_client(grant_types=["client_credentials"])
    tokens = [
        httpx.post(
            f"{hydra.public}/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(c["client_id"], c["client_secret"]),
        ).json()["access_token"]
        for _ in range(3)
    ]
    assert all(admin.introspect_o_auth2_token(t).active for t in tokens)
    admin.delete_o_auth2_token(c["client_id"])
    assert not any(admin.introspect_o_auth2_token(t).active for t in tokens)


def test_json_web_keys(hydra: Hydra) -> None:
    set_id = f"set-{uuid.uuid4()}"
    with ApiClient(Configuration(host=hydra.admin)) as api:
        jwk = JwkApi(api)
        for alg in ("RS256", "ES256", "EdDSA"):
            created = jwk.create_json_web_key_set(
                set_id, CreateJsonWebKeySet(alg=alg, kid=f"k-{alg}", use="sig")
            )
            assert created.keys[0].kid == f"k-{alg}" and created.keys[0].alg == alg
        keys = jwk.get_json_web_key_set(set_id).keys
        assert {k.kid for k in keys} == {"k-RS256", "k-ES256", "k-EdDSA"}
        assert keys[0].kid == "k-EdDSA"  # newest first
        one = jwk.get_json_web_key(set_id, "k-ES256").keys[0]
        assert one.crv == "P-256" and one.d
        public = JsonWebKey(**{k: v for k, v in one.to_dict().items() if k != "d"})
        stored = jwk.set_json_web_key(set_id, "k-ES256", public)
        assert stored.d is None
        jwk.delete_json_web_key(set_id, "k-RS256")
        assert {k.kid for k in jwk.get_json_web_key_set(set_id).keys} == {"k-ES256", "k-EdDSA"}
        jwk.delete_json_web_key_set(set_id)
        with pytest.raises(ApiException) as err:
            jwk.get_json_web_key_set(set_id)
        assert err.value.status == 404
    with ApiClient(Configuration(host=hydra.public)) as api:
        published = WellknownApi(api).discover_json_web_keys().keys
        assert published and all(k.d is None and k.p is None for k in published)
        config = OidcApi(api).discover_oidc_configuration()
        assert config.token_endpoint == f"{hydra.public}/oauth2/token"
        assert config.jwks_uri == f"{hydra.public}/.well-known/jwks.json"


def test_trusted_issuers(hydra: Hydra, admin: OAuth2Api) -> None:
    from joserfc.jwk import ECKey

    key = ECKey.generate_key(
        "P-256", parameters={"kid": f"kid-{uuid.uuid4()}", "alg": "ES256", "use": "sig"}
    )
    issuer = f"https://idp-{uuid.uuid4()}.example"
    body = TrustOAuth2JwtGrantIssuer(
        issuer=issuer,
        subject="alice",
        scope=["read"],
        jwk=JsonWebKey.from_dict(key.as_dict(private=False)),
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    trusted = admin.trust_o_auth2_jwt_grant_issuer(body)
    assert trusted.issuer == issuer and trusted.public_key.kid == key.kid
    assert admin.get_trusted_o_auth2_jwt_grant_issuer(trusted.id).subject == "alice"
    assert [t.id for t in admin.list_trusted_o_auth2_jwt_grant_issuers(issuer=issuer)] == [
        trusted.id
    ]
    with pytest.raises(ApiException) as err:
        admin.trust_o_auth2_jwt_grant_issuer(body)
    assert err.value.status == 409
    admin.delete_trusted_o_auth2_jwt_grant_issuer(trusted.id)
    with pytest.raises(ApiException) as err:
        admin.get_trusted_o_auth2_jwt_grant_issuer(trusted.id)
    assert err.value.status == 404
