"""A standard OAuth 2.0 client library (Authlib) and an independent JOSE library (PyJWT).

Covers client authentication (basic, post, private_key_jwt with replay
protection), the client credentials and JWT bearer grants, revocation, and JWT
access tokens verified against the published JWKS.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt as pyjwt
import pytest
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.oauth2.conftest import Hydra

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _ec_key(kid: str) -> tuple[ec.EllipticCurvePrivateKey, dict[str, Any]]:
    private = ec.generate_private_key(ec.SECP256R1())
    public = pyjwt.algorithms.ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    public.update(kid=kid, alg="ES256", use="sig")
    return private, public


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_client_credentials_with_authlib(hydra: Hydra, method: str) -> None:
    c = hydra.create_client(
        grant_types=["client_credentials"], scope="read write", token_endpoint_auth_method=method
    )
    session = OAuth2Session(
        c["client_id"],
        c["client_secret"],
        token_endpoint_auth_method=method,
        revocation_endpoint_auth_method=method,
    )
    token = session.fetch_token(
        f"{hydra.public}/oauth2/token", grant_type="client_credentials", scope="read"
    )
    assert token["token_type"] == "bearer" and token["scope"] == "read"
    assert token["access_token"].startswith("ory_at_") and 3590 <= token["expires_in"] <= 3600
    assert "refresh_token" not in token
    revoke = session.revoke_token(f"{hydra.public}/oauth2/revoke", token["access_token"])
    assert revoke.status_code == 200
    info = httpx.post(
        f"{hydra.admin}/admin/oauth2/introspect", data={"token": token["access_token"]}
    )
    assert info.json() == {"active": False}


def test_wrong_method_is_invalid_client(hydra: Hydra) -> None:
    c = hydra.create_client(grant_types=["client_credentials"])
    response = httpx.post(
        f"{hydra.public}/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": c["client_id"],
              "client_secret": c["client_secret"]},
    )  # fmt: skip
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert response.json()["error"] == "invalid_client"


def test_private_key_jwt_and_replay(hydra: Hydra) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = pyjwt.algorithms.RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    public.update(kid="client-key", alg="RS256", use="sig")
    c = hydra.create_client(
        grant_types=["client_credentials"],
        token_endpoint_auth_method="private_key_jwt",
        jwks={"keys": [public]},
    )
    url = f"{hydra.public}/oauth2/token"
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    session = OAuth2Session(
        c["client_id"], pem, token_endpoint_auth_method=PrivateKeyJWT(url, alg="RS256")
    )
    token = session.fetch_token(url, grant_type="client_credentials")
    assert token["access_token"].startswith("ory_at_")

    now = int(time.time())
    claims = {"iss": c["client_id"], "sub": c["client_id"], "aud": url, "jti": str(uuid.uuid4()),
              "iat": now, "exp": now + 60}  # fmt: skip
    assertion = pyjwt.encode(claims, private, algorithm="RS256", headers={"kid": "client-key"})
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    assert httpx.post(url, data=form).status_code == 200
    replay = httpx.post(url, data=form)
    assert replay.status_code == 401 and replay.json()["error"] == "invalid_client"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = pyjwt.encode({**claims, "jti": "x"}, other, algorithm="RS256")
    assert httpx.post(url, data={**form, "client_assertion": forged}).status_code == 401


def test_jwt_access_tokens_verify_against_jwks(hydra: Hydra) -> None:
    c = hydra.create_client(
        grant_types=["client_credentials"],
        scope="read",
        audience=["https://api.example"],
        access_token_strategy="jwt",
    )
    token = httpx.post(
        f"{hydra.public}/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "scope": "read",
            "audience": "https://api.example",
        },
        auth=(c["client_id"], c["client_secret"]),
        timeout=120,  # the first JWT generates the RSA-4096 signing key: slow on a busy machine
    ).json()["access_token"]
    jwks = httpx.get(f"{hydra.public}/.well-known/jwks.json").json()
    header = pyjwt.get_unverified_header(token)
    key = pyjwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims = pyjwt.decode(token, key.key, algorithms=["RS256"], audience="https://api.example")
    assert claims["iss"] == hydra.public and claims["sub"] == c["client_id"]
    assert claims["client_id"] == c["client_id"] and claims["scp"] == ["read"]
    assert claims["exp"] - claims["iat"] == 3600 and claims["jti"]
    info = httpx.post(f"{hydra.admin}/admin/oauth2/introspect", data={"token": token}).json()
    assert info["active"] is True and info["sub"] == c["client_id"]
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    info = httpx.post(f"{hydra.admin}/admin/oauth2/introspect", data={"token": tampered}).json()
    assert info == {"active": False}
    # Issue 9: the signature segment alone, or the real token with its payload changed.
    head, _body, sig = token.split(".")
    forged_claims = {**claims, "sub": "admin", "scp": ["read", "admin"]}
    forged_body = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=")
    for attack in (f"x.y.{sig}", f"{head}.{forged_body.decode()}.{sig}"):
        info = httpx.post(f"{hydra.admin}/admin/oauth2/introspect", data={"token": attack}).json()
        assert info == {"active": False}
    info = httpx.post(f"{hydra.admin}/admin/oauth2/introspect", data={"token": token}).json()
    assert info["active"] is True


def _trust(hydra: Hydra, issuer: str, public: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {
        "issuer": issuer,
        "scope": ["read"],
        "jwk": public,
        "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        **extra,
    }
    response = httpx.post(f"{hydra.admin}/admin/trust/grants/jwt-bearer/issuers", json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def test_jwt_bearer_grant(hydra: Hydra) -> None:
    issuer = f"https://idp-{uuid.uuid4()}.example"
    private, public = _ec_key(f"idp-{uuid.uuid4()}")
    _trust(hydra, issuer, public, subject="alice")
    c = hydra.create_client(grant_types=[JWT_BEARER], scope="read write")
    url = f"{hydra.public}/oauth2/token"

    def assertion(**over: Any) -> str:
        now = int(time.time())
        claims = {"iss": issuer, "sub": "alice", "aud": url, "jti": str(uuid.uuid4()),
                  "iat": now, "exp": now + 300, **over}  # fmt: skip
        return pyjwt.encode(claims, private, algorithm="ES256", headers={"kid": public["kid"]})

    def post(a: str, scope: str = "read") -> httpx.Response:
        form = {"grant_type": JWT_BEARER, "assertion": a, "scope": scope}
        return httpx.post(url, data=form, auth=(c["client_id"], c["client_secret"]))

    good = assertion()
    ok = post(good)
    assert ok.status_code == 200, ok.text
    info = httpx.post(
        f"{hydra.admin}/admin/oauth2/introspect", data={"token": ok.json()["access_token"]}
    ).json()
    assert (
        info["sub"] == "alice" and info["scope"] == "read" and info["client_id"] == c["client_id"]
    )

    for bad, why in (
        (good, "replayed jti"),
        (assertion(exp=int(time.time()) - 3600), "expired"),
        (assertion(sub="mallory"), "untrusted subject"),
        (assertion(aud="https://elsewhere.example/token"), "wrong audience"),
        (assertion(jti=None), "missing jti"),
    ):
        response = post(bad)
        assert response.status_code == 400, why
        assert response.json()["error"] == "invalid_grant", why
    refused = post(assertion(), scope="write")
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_private_key_jwt_with_jwks_uri(hydra: Hydra) -> None:
    """The client's keys come from its ``jwks_uri`` (here: this server's published JWKS,
    whose private half the admin API hands out, as Hydra's does)."""
    httpx.get(f"{hydra.public}/.well-known/jwks.json").raise_for_status()
    private = httpx.get(f"{hydra.admin}/admin/keys/hydra.openid.id-token").json()["keys"][0]
    c = hydra.create_client(
        grant_types=["client_credentials"],
        token_endpoint_auth_method="private_key_jwt",
        jwks_uri=f"{hydra.public}/.well-known/jwks.json",
    )
    url = f"{hydra.public}/oauth2/token"
    now = int(time.time())
    claims = {"iss": c["client_id"], "sub": c["client_id"], "aud": [url], "jti": str(uuid.uuid4()),
              "iat": now, "exp": now + 60}  # fmt: skip
    key = pyjwt.PyJWK.from_dict(private)
    assertion = pyjwt.encode(claims, key.key, algorithm="RS256", headers={"kid": private["kid"]})
    response = httpx.post(
        url,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    )
    assert response.status_code == 200, response.text
