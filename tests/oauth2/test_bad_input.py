"""Bad input gets the RFC or Ory error with the right status, stores nothing, never 500s."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest

from tests.oauth2.conftest import Hydra


def token(h: Hydra, data: dict[str, str], auth: tuple[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{h.public}/oauth2/token", data=data, auth=auth)


@pytest.fixture(scope="module")
def cc(hydra_sqlite: Hydra) -> dict[str, Any]:
    return hydra_sqlite.create_client(
        grant_types=["client_credentials"], scope="read", audience=["https://api.example"]
    )


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({}, 400, "invalid_request"),
        ({"grant_type": "client_credentials", "scope": "admin"}, 400, "invalid_scope"),
        ({"grant_type": "client_credentials", "audience": "https://evil"}, 400, "invalid_request"),
        (
            {"grant_type": "refresh_token", "refresh_token": "ory_rt_x.y"},
            400,
            "unauthorized_client",
        ),
    ],
)
def test_token_endpoint_errors(
    hydra_sqlite: Hydra, cc: dict[str, Any], form: dict[str, str], status: int, error: str
) -> None:
    response = token(hydra_sqlite, form, (cc["client_id"], cc["client_secret"]))
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error and body["error_description"]
    assert response.headers["cache-control"] == "no-store"


def test_client_authentication_failures(hydra_sqlite: Hydra, cc: dict[str, Any]) -> None:
    h = hydra_sqlite
    grant = {"grant_type": "client_credentials"}
    for auth in ((cc["client_id"], "wrong-secret"), (str(uuid.uuid4()), "whatever")):
        response = token(h, grant, auth)
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"
        assert "www-authenticate" in response.headers
    assert token(h, grant).json()["error"] == "invalid_request"  # no credentials at all
    garbage = httpx.post(
        f"{h.public}/oauth2/token", data=grant, headers={"Authorization": "Basic !!!"}
    )
    assert garbage.status_code == 400
    repeated = httpx.post(
        f"{h.public}/oauth2/token",
        content="grant_type=client_credentials&grant_type=client_credentials",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=(cc["client_id"], cc["client_secret"]),
    )
    assert repeated.status_code == 400 and repeated.json()["error"] == "invalid_request"
    as_json = httpx.post(f"{h.public}/oauth2/token", json=grant, auth=(cc["client_id"], "x"))
    assert as_json.status_code == 400


def test_public_client_cannot_use_client_credentials(hydra_sqlite: Hydra) -> None:
    c = hydra_sqlite.create_client(
        grant_types=["client_credentials"], token_endpoint_auth_method="none"
    )
    assert "client_secret" not in c
    response = token(
        hydra_sqlite, {"grant_type": "client_credentials", "client_id": c["client_id"]}
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_basic_credentials_are_form_decoded(hydra_sqlite: Hydra) -> None:
    secret = "s3cr3t:with%special&chars"
    c = hydra_sqlite.create_client(grant_types=["client_credentials"], client_secret=secret)
    from urllib.parse import quote_plus

    raw = f"{quote_plus(c['client_id'])}:{quote_plus(secret)}".encode()
    response = httpx.post(
        f"{hydra_sqlite.public}/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {base64.b64encode(raw).decode()}"},
    )
    assert response.status_code == 200, response.text


BAD_CLIENTS: list[tuple[Any, str]] = [
    ({"redirect_uris": ["/relative"]}, "invalid_client_metadata"),
    ({"redirect_uris": ["https://a.example/cb#frag"]}, "invalid_client_metadata"),
    ({"token_endpoint_auth_method": "magic"}, "invalid_client_metadata"),
    ({"client_secret": "short"}, "invalid_client_metadata"),
    ({"token_endpoint_auth_method": "private_key_jwt"}, "invalid_client_metadata"),
    ({"jwks": {"keys": [{"kty": "RSA"}]}, "jwks_uri": "https://a.example/jwks"},
     "invalid_client_metadata"),
    ({"client_credentials_grant_access_token_lifespan": "soon"}, "invalid_client_metadata"),
    ({"client_name": 5}, "invalid_client_metadata"),
    ({"grant_types": "client_credentials"}, "invalid_client_metadata"),
    ({"subject_type": "pairwise"}, "invalid_client_metadata"),
    ({"access_token_strategy": "magic"}, "invalid_client_metadata"),
    ({"post_logout_redirect_uris": ["https://elsewhere.example/"],
      "redirect_uris": ["https://a.example/cb"]}, "invalid_client_metadata"),
    ([1, 2], "invalid_client_metadata"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "error"), BAD_CLIENTS)
def test_invalid_client_metadata_stores_nothing(hydra_sqlite: Hydra, body: Any, error: str) -> None:
    owner = f"bad-{uuid.uuid4()}"
    if isinstance(body, dict):
        body = {**body, "owner": owner}
    response = httpx.post(f"{hydra_sqlite.admin}/admin/clients", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == error
    listed = httpx.get(f"{hydra_sqlite.admin}/admin/clients", params={"owner": owner}).json()
    assert listed == []


def test_admin_bad_requests(hydra_sqlite: Hydra, cc: dict[str, Any]) -> None:
    a = hydra_sqlite.admin
    cases = [
        httpx.post(f"{a}/admin/clients", content=b"{nope",
                   headers={"Content-Type": "application/json"}),
        httpx.post(f"{a}/admin/clients", json={"client_id": cc["client_id"]}),
        httpx.get(f"{a}/admin/clients", params={"page_token": "garbage"}),
        httpx.get(f"{a}/admin/clients", params={"page_size": "0"}),
        httpx.get(f"{a}/admin/clients", params={"page_size": "many"}),
        httpx.post(f"{a}/admin/oauth2/introspect", data={}),
        httpx.delete(f"{a}/admin/oauth2/tokens"),
        httpx.post(f"{a}/admin/keys/x", json={"alg": "XS999", "use": "sig", "kid": "k"}),
        httpx.post(f"{a}/admin/keys/x", json={"use": "sig"}),
        httpx.put(f"{a}/admin/keys/x/k", json={"kty": "RSA", "n": "AQAB"}),
        httpx.put(f"{a}/admin/keys/x", json={"keys": "no"}),
        httpx.post(f"{a}/admin/trust/grants/jwt-bearer/issuers", json={"issuer": "x"}),
        httpx.post(f"{a}/admin/clients", content=b" " * (2 << 20),
                   headers={"Content-Type": "application/json"}),
    ]  # fmt: skip
    statuses = [r.status_code for r in cases]
    assert statuses == [400, 409, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 413]
    for r in cases:
        body = r.json()
        assert isinstance(body["error"], str) and body["error_description"], r.text
    assert httpx.get(f"{a}/admin/clients/{uuid.uuid4()}").status_code == 404
    assert httpx.get(f"{a}/admin/keys/{uuid.uuid4()}").status_code == 404
    assert httpx.get(f"{a}/admin/trust/grants/jwt-bearer/issuers/not-a-uuid").status_code == 404


@pytest.mark.parametrize(
    "ops",
    [
        "not a patch",
        [{"op": "replace", "path": "/client_id", "value": "x"}],
        [{"op": "remove", "path": "/does/not/exist"}],
        [{"op": "jump", "path": "/scope"}],
        [{"op": "replace", "path": "/token_endpoint_auth_method", "value": "magic"}],
        [{"op": "test", "path": "/scope", "value": "nope"}],
    ],
)
def test_bad_json_patch_changes_nothing(hydra_sqlite: Hydra, ops: Any) -> None:
    c = hydra_sqlite.create_client(client_name="before")
    url = f"{hydra_sqlite.admin}/admin/clients/{c['client_id']}"
    response = httpx.patch(url, json=ops)
    assert response.status_code == 400, response.text
    after = httpx.get(url).json()
    assert after["client_name"] == "before" and after["updated_at"] == c["updated_at"]


def test_introspection_of_foreign_or_malformed_tokens(hydra_sqlite: Hydra) -> None:
    forged_rt = "ory_rt_" + "A" * 43 + "." + "B" * 43
    for bad in ("", "x", "ory_at_", "ory_at_abc.def", "a.b.c", forged_rt, "ory_at_" + "A" * 5000):
        r = httpx.post(f"{hydra_sqlite.admin}/admin/oauth2/introspect", data={"token": bad or " "})
        assert r.status_code == 200 and r.json() == {"active": False}, bad


def test_revocation_errors(hydra_sqlite: Hydra, cc: dict[str, Any]) -> None:
    h = hydra_sqlite
    other = h.create_client(grant_types=["client_credentials"])
    access = token(h, {"grant_type": "client_credentials"}, (cc["client_id"], cc["client_secret"]))
    tok = access.json()["access_token"]
    auth = (other["client_id"], other["client_secret"])
    foreign = httpx.post(f"{h.public}/oauth2/revoke", data={"token": tok}, auth=auth)
    assert foreign.status_code == 400 and foreign.json()["error"] == "unauthorized_client"
    unknown = httpx.post(f"{h.public}/oauth2/revoke", data={"token": "ory_at_x.y"}, auth=auth)
    assert unknown.status_code == 200
    missing = httpx.post(f"{h.public}/oauth2/revoke", data={}, auth=auth)
    assert missing.status_code == 400
    active = httpx.post(f"{h.admin}/admin/oauth2/introspect", data={"token": tok}).json()
    assert active["active"] is True


def test_prefixless_admin_paths_and_health(hydra_sqlite: Hydra) -> None:
    a = hydra_sqlite.admin
    assert httpx.get(f"{a}/clients").status_code == 200
    assert httpx.get(f"{a}/admin/health/alive").json() == {"status": "ok"}
    assert httpx.get(f"{a}/admin/version").status_code == 200
    assert httpx.get(f"{hydra_sqlite.public}/health/ready").status_code == 200
    assert httpx.get(f"{hydra_sqlite.public}/admin/clients").status_code == 404
    assert httpx.get(f"{hydra_sqlite.public}/clients").status_code == 404


def test_logs_hold_no_secrets_or_tokens(hydra_sqlite: Hydra, cc: dict[str, Any]) -> None:
    token(
        hydra_sqlite, {"grant_type": "client_credentials"}, (cc["client_id"], cc["client_secret"])
    )
    text = hydra_sqlite.server.log.read_text()
    assert cc["client_secret"] not in text
    assert "ory_at_" not in text and "ory_rt_" not in text
    assert "Traceback" not in text


def _raw(method: str, url: str, body: Any) -> httpx.Response:
    """``body`` as ASCII-escaped JSON, so lone surrogates travel as ``\\ud800``."""
    content = json.dumps(body).encode()
    return httpx.request(method, url, content=content, headers={"Content-Type": "application/json"})


def _admin_400(r: httpx.Response, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == 400, r.text[:300]
    body: dict[str, Any] = r.json()
    assert body["error"] and body["error_description"] and body["message"], body
    if field is not None:
        assert field in body["error_description"], body
    return body


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"client_id": "c" * 256}, "client_id"),
        ({"client_id": "c" * 100_000}, "client_id"),
        ({"token_endpoint_auth_method": "x" * 26}, "token_endpoint_auth_method"),
        ({"client_secret_expires_at": 2**40}, "client_secret_expires_at"),
        ({"client_name": "\ud800"}, None),
        ({"metadata": {"k": "\ud800"}}, None),  # refused by the JSON parser itself
    ],
)
def test_unstorable_client_values_are_400_on_every_backend(
    hydra: Hydra, extra: dict[str, Any], field: str | None
) -> None:
    """Issue 9 case 2: a 256-character client_id was a 500 on PostgreSQL, kept on SQLite."""
    before = httpx.get(f"{hydra.admin}/admin/clients", params={"page_size": 500})
    _admin_400(_raw("POST", f"{hydra.admin}/admin/clients", extra), field)
    after = httpx.get(f"{hydra.admin}/admin/clients", params={"page_size": 500})
    assert after.status_code == 200 and len(after.json()) == len(before.json())


def test_huge_numbers_in_metadata_never_500(hydra: Hydra) -> None:
    """orjson reads integers over 64 bits as floats, which every backend stores."""
    r = _raw("POST", f"{hydra.admin}/admin/clients", {"metadata": {"k": 10**30}})
    assert r.status_code == 201, r.text[:300]
    assert httpx.get(f"{hydra.admin}/admin/clients/{r.json()['client_id']}").status_code == 200


def test_unstorable_key_ids_are_400(hydra: Hydra) -> None:
    r = _raw("POST", f"{hydra.admin}/admin/keys/{'s' * 256}", {"alg": "RS256", "use": "sig"})
    _admin_400(r, "set")
    r = _raw("POST", f"{hydra.admin}/admin/keys/ok", {"alg": "RS256", "kid": "k" * 256})
    _admin_400(r, "kid")


def test_lifespans_of_the_wrong_type_carry_message(hydra: Hydra) -> None:
    """Issue 9 case 6: Hydra's genericError requires ``message``."""
    client = hydra.create_client(grant_types=["client_credentials"])
    url = f"{hydra.admin}/admin/clients/{client['client_id']}/lifespans"
    for body in (
        {"client_credentials_grant_access_token_lifespan": 5},
        {"client_credentials_grant_access_token_lifespan": "\ud800"},
        [],
    ):
        _admin_400(_raw("PUT", url, body))
    missing = _raw("PUT", f"{hydra.admin}/admin/clients/nope/lifespans", {})
    assert missing.status_code == 404 and missing.json()["message"]
