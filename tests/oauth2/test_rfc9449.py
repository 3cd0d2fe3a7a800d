"""DPoP (RFC 9449) over real sockets, on every backend.

The client builds its proofs with PyJWT and ``cryptography`` (the server
verifies with joserfc) and computes the RFC 7638 thumbprint itself; the
login/consent app is ``ory-hydra-client`` as in every code-flow test.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from ory_hydra_client.api.o_auth2_api import OAuth2Api

from tests.conftest import BACKENDS
from tests.oauth2.conftest import Hydra, serve_oauth2
from tests.oauth2.consent.flows import REDIRECT, RP, Browser, admin_api, code_flow, new_rp, query
from tests.oauth2.rfc8628.test_device_flow import GRANT, _enter_code, _login_and_consent

THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"),
                      "OKP": ("crv", "kty", "x")}  # fmt: skip


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Holder:
    """A client's DPoP key and the proofs it signs (PyJWT, not the server's joserfc)."""

    def __init__(self, alg: str = "ES256") -> None:
        self.alg = alg
        self.private: Any
        if alg == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
            self.jwk = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        elif alg == "EdDSA":
            self.private = ed25519.Ed25519PrivateKey.generate()
            self.jwk = OKPAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)

    @property
    def jkt(self) -> str:
        """RFC 7638: the SHA-256 of the required members, sorted, without whitespace."""
        members = {k: self.jwk[k] for k in THUMBPRINT_MEMBERS[self.jwk["kty"]]}
        canonical = json.dumps(members, sort_keys=True, separators=(",", ":"))
        return b64(hashlib.sha256(canonical.encode()).digest())

    def proof(
        self,
        method: str,
        url: str,
        *,
        token: str | None = None,
        header: dict[str, Any] | None = None,
        key: Any = None,
        alg: str | None = None,
        **claims: Any,
    ) -> str:
        body: dict[str, Any] = {"jti": secrets.token_urlsafe(16), "htm": method, "htu": url,
                                "iat": int(time.time())}  # fmt: skip
        if token is not None:
            body["ath"] = b64(hashlib.sha256(token.encode()).digest())
        body.update(claims)
        headers = {"typ": "dpop+jwt", "jwk": self.jwk, **(header or {})}
        return jwt.encode(
            body, key if key is not None else self.private, algorithm=alg or self.alg,
            headers=headers,
        )  # fmt: skip


@pytest.fixture(scope="module", params=BACKENDS)
def h(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hydra]:
    config = {
        "oauth2": {
            "dpop": {"enabled": True, "algorithms": ["ES256", "RS256", "PS256", "EdDSA"]},
            "pushed_authorization_requests": {"enabled": True},
        }
    }
    server = serve_oauth2(tmp_path_factory.mktemp(f"dpop-{request.param}"), request.param, config)
    yield server
    server.server.stop()


@pytest.fixture
def api(h: Hydra) -> Iterator[OAuth2Api]:
    with admin_api(h) as a:
        yield a


@pytest.fixture
def browser(h: Hydra) -> Iterator[Browser]:
    b = Browser(h)
    yield b
    b.close()


def public_rp(h: Hydra, **body: Any) -> RP:
    return new_rp(h, token_endpoint_auth_method="none", **body)


def token_request(
    rp: RP, data: dict[str, str], proofs: list[str] | str | None = None
) -> httpx.Response:
    """A token request with the client's own authentication and any ``DPoP`` headers."""
    headers = [("DPoP", p) for p in ([proofs] if isinstance(proofs, str) else proofs or [])]
    client = rp.client
    if client["token_endpoint_auth_method"] == "none":
        data = {**data, "client_id": client["client_id"]}
        return httpx.post(f"{rp.hydra.public}/oauth2/token", data=data, headers=headers, timeout=60)
    auth = (client["client_id"], client["client_secret"])
    url = f"{rp.hydra.public}/oauth2/token"
    return httpx.post(url, data=data, headers=headers, auth=auth, timeout=60)


def exchange(rp: RP, callback: str, proofs: list[str] | str | None) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": query(callback)["code"],
            "redirect_uri": REDIRECT, "code_verifier": rp.verifier}  # fmt: skip
    return token_request(rp, data, proofs)


def token_url(h: Hydra) -> str:
    return f"{h.public}/oauth2/token"


def introspect(h: Hydra, token: str) -> dict[str, Any]:
    answer = httpx.post(f"{h.admin}/admin/oauth2/introspect", data={"token": token})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def userinfo(h: Hydra, authorization: str, proofs: list[str] | None = None) -> httpx.Response:
    headers = [("Authorization", authorization), *(("DPoP", p) for p in proofs or [])]
    return httpx.get(f"{h.public}/userinfo", headers=headers)


def machine(h: Hydra, **body: Any) -> RP:
    client = h.create_client(grant_types=["client_credentials"], scope="read", **body)
    return RP(h, client)


CREDENTIALS = {"grant_type": "client_credentials", "scope": "read"}


def test_the_code_flow_with_pkce_binds_tokens_to_the_key(
    h: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    rp, holder = public_rp(h), Holder()
    callback, _ = code_flow(browser, api, rp)
    issued = exchange(rp, callback, holder.proof("POST", token_url(h)))
    assert issued.status_code == 200, issued.text
    tokens = issued.json()
    assert tokens["token_type"] == "DPoP" and tokens["id_token"] and tokens["refresh_token"]
    access = tokens["access_token"]
    seen = introspect(h, access)
    assert seen["token_type"] == "DPoP" and seen["cnf"] == {"jkt": holder.jkt}

    answer = userinfo(h, f"DPoP {access}", [holder.proof("GET", f"{h.public}/userinfo",
                                                         token=access)])  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["sub"] == "alice"

    refreshed = token_request(
        rp,
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        holder.proof("POST", token_url(h)),
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["token_type"] == "DPoP"
    assert introspect(h, refreshed.json()["access_token"])["cnf"] == {"jkt": holder.jkt}
    # the public client's refresh token is bound too (§5)
    assert introspect(h, refreshed.json()["refresh_token"])["cnf"] == {"jkt": holder.jkt}


def test_a_public_clients_refresh_token_needs_the_same_key(
    h: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    rp, holder = public_rp(h), Holder()
    callback, _ = code_flow(browser, api, rp)
    tokens = exchange(rp, callback, holder.proof("POST", token_url(h))).json()
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    other = token_request(rp, form, Holder().proof("POST", token_url(h)))
    assert other.status_code == 400 and other.json()["error"] == "invalid_dpop_proof"
    bare = token_request(rp, form)
    assert bare.status_code == 400 and bare.json()["error"] == "invalid_dpop_proof"
    right = token_request(rp, form, holder.proof("POST", token_url(h)))
    assert right.status_code == 200, right.text  # the refusals spent nothing


def test_a_confidential_clients_refresh_token_is_not_bound(
    h: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    rp, holder = new_rp(h), Holder()
    callback, _ = code_flow(browser, api, rp)
    tokens = exchange(rp, callback, holder.proof("POST", token_url(h))).json()
    assert tokens["token_type"] == "DPoP"
    assert "cnf" not in introspect(h, tokens["refresh_token"])
    other = Holder()
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    refreshed = token_request(rp, form, other.proof("POST", token_url(h)))
    assert refreshed.status_code == 200, refreshed.text
    assert introspect(h, refreshed.json()["access_token"])["cnf"] == {"jkt": other.jkt}


def test_jwt_access_tokens_carry_the_thumbprint(h: Hydra) -> None:
    rp, holder = machine(h, access_token_strategy="jwt"), Holder("EdDSA")
    issued = token_request(rp, CREDENTIALS, holder.proof("POST", token_url(h)))
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    keys = jwt.PyJWKClient(f"{h.public}/.well-known/jwks.json")
    signing = keys.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, signing.key, algorithms=["RS256"], options={"verify_aud": False})
    assert claims["cnf"] == {"jkt": holder.jkt}
    assert introspect(h, token)["cnf"] == {"jkt": holder.jkt}


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
def test_client_credentials_with_rsa_keys(h: Hydra, alg: str) -> None:
    rp, holder = machine(h), Holder(alg)
    issued = token_request(rp, CREDENTIALS, holder.proof("POST", token_url(h)))
    assert issued.status_code == 200 and issued.json()["token_type"] == "DPoP", issued.text
    assert introspect(h, issued.json()["access_token"])["cnf"] == {"jkt": holder.jkt}
    plain = token_request(rp, CREDENTIALS)  # no proof, not required: a bearer token
    assert plain.status_code == 200 and plain.json()["token_type"] == "bearer"
    assert "cnf" not in introspect(h, plain.json()["access_token"])


def refused(rp: RP, proofs: list[str] | str | None) -> str:
    answer = token_request(rp, CREDENTIALS, proofs)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_dpop_proof", answer.text
    return str(answer.json()["error_description"])


def test_bad_proofs_are_refused(h: Hydra) -> None:
    rp, holder = machine(h), Holder()
    url = token_url(h)
    now = int(time.time())
    other = ec.generate_private_key(ec.SECP256R1())
    private_jwk = ECAlgorithm.to_jwk(holder.private, as_dict=True)
    cases = {
        "wrong htm": holder.proof("GET", url),
        "wrong htu": holder.proof("POST", f"{h.public}/oauth2/revoke"),
        "another host": holder.proof("POST", "https://elsewhere.example/oauth2/token"),
        "old iat": holder.proof("POST", url, iat=now - 600),
        "future iat": holder.proof("POST", url, iat=now + 600),
        "string iat": holder.proof("POST", url, iat=str(now)),
        "no jti": holder.proof("POST", url, jti=""),
        "private key in jwk": holder.proof("POST", url, header={"jwk": private_jwk}),
        "symmetric alg": holder.proof(
            "POST", url, key=b"a-shared-secret-of-32-bytes-long", alg="HS256",
            header={"jwk": {"kty": "oct", "k": b64(b"a-shared-secret-of-32-bytes-long")}},
        ),
        "alg none": jwt.encode({"jti": "x", "htm": "POST", "htu": url, "iat": now}, "",
                               algorithm="none", headers={"typ": "dpop+jwt", "jwk": holder.jwk}),
        "wrong typ": holder.proof("POST", url, header={"typ": "JWT"}),
        "bad signature": holder.proof("POST", url, key=other),
        "no jwk": holder.proof("POST", url, header={"jwk": None}),
        "not a jwt": "not.a.jwt",
        "garbage": "x" * 20_000,
    }  # fmt: skip
    for name, proof in cases.items():
        assert refused(rp, proof), name
    two = [holder.proof("POST", url), holder.proof("POST", url)]
    assert "one DPoP header" in refused(rp, two)
    with_query = holder.proof("POST", f"{url}?x=1#frag")  # query and fragment are ignored
    assert token_request(rp, CREDENTIALS, with_query).status_code == 200


def test_a_proof_works_once(h: Hydra) -> None:
    rp, holder = machine(h), Holder()
    proof = holder.proof("POST", token_url(h))
    assert token_request(rp, CREDENTIALS, proof).status_code == 200
    assert "used before" in refused(rp, proof)


def test_of_two_concurrent_requests_with_one_proof_exactly_one_succeeds(h: Hydra) -> None:
    rp, holder = machine(h), Holder()
    for _ in range(3):
        proof = holder.proof("POST", token_url(h))
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda p: token_request(rp, CREDENTIALS, p), [proof] * 2))
        assert sorted(a.status_code for a in answers) == [200, 400], [a.text for a in answers]


def test_a_client_can_require_dpop(h: Hydra) -> None:
    rp = machine(h, metadata={"dpop_bound_access_tokens": True})
    assert "required" in refused(rp, None)
    holder = Holder()
    assert token_request(rp, CREDENTIALS, holder.proof("POST", token_url(h))).status_code == 200


def test_a_bound_token_is_not_a_bearer_token(h: Hydra, api: OAuth2Api, browser: Browser) -> None:
    rp, holder = public_rp(h), Holder()
    callback, _ = code_flow(browser, api, rp)
    access = exchange(rp, callback, holder.proof("POST", token_url(h))).json()["access_token"]
    at = f"{h.public}/userinfo"

    as_bearer = userinfo(h, f"Bearer {access}")
    assert as_bearer.status_code == 401
    assert as_bearer.headers["www-authenticate"].startswith('DPoP error="invalid_token"')
    assert "algs=" in as_bearer.headers["www-authenticate"]

    wrong_ath = userinfo(h, f"DPoP {access}", [holder.proof("GET", at, token="another")])
    assert wrong_ath.status_code == 401
    assert wrong_ath.headers["www-authenticate"].startswith('DPoP error="invalid_dpop_proof"')
    no_ath = userinfo(h, f"DPoP {access}", [holder.proof("GET", at)])
    assert no_ath.status_code == 401 and no_ath.json()["error"] == "invalid_dpop_proof"
    no_proof = userinfo(h, f"DPoP {access}")
    assert no_proof.status_code == 401 and no_proof.json()["error"] == "invalid_dpop_proof"
    other_key = userinfo(h, f"DPoP {access}", [Holder().proof("GET", at, token=access)])
    assert other_key.status_code == 401
    assert other_key.headers["www-authenticate"].startswith('DPoP error="invalid_token"')
    wrong_method = userinfo(h, f"DPoP {access}", [holder.proof("POST", at, token=access)])
    assert wrong_method.status_code == 401
    proof = holder.proof("GET", at, token=access)
    assert userinfo(h, f"DPoP {access}", [proof]).status_code == 200
    assert userinfo(h, f"DPoP {access}", [proof]).status_code == 401  # replayed
    unknown = userinfo(h, "DPoP ory_at_nothing", [holder.proof("GET", at, token="x")])
    assert unknown.status_code == 401
    assert unknown.headers["www-authenticate"].startswith('DPoP error="invalid_token"')


def test_a_bearer_token_still_works_as_bearer(h: Hydra, api: OAuth2Api, browser: Browser) -> None:
    rp = public_rp(h)
    callback, _ = code_flow(browser, api, rp)
    tokens = exchange(rp, callback, None).json()
    assert tokens["token_type"] == "bearer"
    assert userinfo(h, f"Bearer {tokens['access_token']}").status_code == 200


def test_the_device_grant_binds_tokens_to_the_key(
    h: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    client = h.create_client(grant_types=[GRANT, "refresh_token"], scope="openid offline",
                             token_endpoint_auth_method="none")  # fmt: skip
    rp, holder = RP(h, client), Holder()
    device = httpx.post(
        f"{h.public}/oauth2/device/auth",
        data={"client_id": client["client_id"], "scope": "openid offline"},
    ).json()
    _login_and_consent(browser, api, _enter_code(browser, api, device))  # fmt: skip
    form = {"grant_type": GRANT, "device_code": device["device_code"]}
    issued = token_request(rp, form, holder.proof("POST", token_url(h)))
    assert issued.status_code == 200 and issued.json()["token_type"] == "DPoP", issued.text
    assert introspect(h, issued.json()["access_token"])["cnf"] == {"jkt": holder.jkt}
    assert introspect(h, issued.json()["refresh_token"])["cnf"] == {"jkt": holder.jkt}


def test_dpop_jkt_binds_the_code(h: Hydra, api: OAuth2Api, browser: Browser) -> None:
    rp, holder = public_rp(h), Holder()
    callback, _ = code_flow(browser, api, rp, dpop_jkt=holder.jkt)
    thief = exchange(rp, callback, Holder().proof("POST", token_url(h)))
    assert thief.status_code == 400 and thief.json()["error"] == "invalid_dpop_proof"
    bare = exchange(rp, callback, None)
    assert bare.status_code == 400 and bare.json()["error"] == "invalid_dpop_proof"
    issued = exchange(rp, callback, holder.proof("POST", token_url(h)))
    assert issued.status_code == 200, issued.text  # the refusals did not spend the code
    assert introspect(h, issued.json()["access_token"])["cnf"] == {"jkt": holder.jkt}


def test_a_malformed_dpop_jkt_is_refused(h: Hydra, browser: Browser) -> None:
    rp = public_rp(h)
    url, _ = rp.authorization_url(dpop_jkt="not a thumbprint")
    answer = browser.get(url)
    assert answer.status_code == 303  # sent back to the (registered) redirect URI
    assert query(answer.headers["location"])["error"] == "invalid_request"


def test_a_pushed_request_with_a_proof_binds_the_code(
    h: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    rp, holder = new_rp(h), Holder()
    url, _ = rp.authorization_url()
    creds = (rp.client["client_id"], rp.client["client_secret"])
    par = f"{h.public}/oauth2/par"
    mismatch = httpx.post(par, data={**query(url), "dpop_jkt": Holder().jkt}, auth=creds,
                          headers={"DPoP": holder.proof("POST", par)})  # fmt: skip
    assert mismatch.status_code == 400 and mismatch.json()["error"] == "invalid_dpop_proof"
    pushed = httpx.post(
        par, data=query(url), auth=creds, headers={"DPoP": holder.proof("POST", par)}
    )
    assert pushed.status_code == 201, pushed.text
    start = f"{h.public}/oauth2/auth?client_id={rp.client['client_id']}"
    challenge = browser.start(f"{start}&request_uri={pushed.json()['request_uri']}")
    callback = browser.consent(api, browser.login(api, challenge))
    assert exchange(rp, callback, Holder().proof("POST", token_url(h))).status_code == 400
    issued = exchange(rp, callback, holder.proof("POST", token_url(h)))
    assert issued.status_code == 200 and issued.json()["token_type"] == "DPoP", issued.text


def test_discovery_lists_the_algorithms_only_while_on(h: Hydra, hydra: Hydra) -> None:
    doc = httpx.get(f"{h.public}/.well-known/openid-configuration").json()
    assert doc["dpop_signing_alg_values_supported"] == ["ES256", "RS256", "PS256", "EdDSA"]
    off = httpx.get(f"{hydra.public}/.well-known/openid-configuration").json()
    assert "dpop_signing_alg_values_supported" not in off


def test_while_off_the_header_is_ignored_as_hydra_does(
    hydra: Hydra, browser_off: Browser, api_off: OAuth2Api
) -> None:
    holder = Holder()
    rp = machine(hydra)
    for proof in (holder.proof("POST", token_url(hydra)), "garbage"):
        issued = token_request(rp, CREDENTIALS, proof)
        assert issued.status_code == 200 and issued.json()["token_type"] == "bearer", issued.text
        assert "cnf" not in introspect(hydra, issued.json()["access_token"])
    code_rp = public_rp(hydra)
    callback, _ = code_flow(browser_off, api_off, code_rp, dpop_jkt="ignored, not even checked")
    tokens = exchange(code_rp, callback, None)
    assert tokens.status_code == 200 and tokens.json()["token_type"] == "bearer", tokens.text
    access = tokens.json()["access_token"]
    assert userinfo(hydra, f"DPoP {access}").status_code == 401  # not a scheme Hydra knows
    assert userinfo(hydra, f"Bearer {access}").status_code == 200


@pytest.fixture
def api_off(hydra: Hydra) -> Iterator[OAuth2Api]:
    with admin_api(hydra) as a:
        yield a


@pytest.fixture
def browser_off(hydra: Hydra) -> Iterator[Browser]:
    b = Browser(hydra)
    yield b
    b.close()


def test_a_server_can_require_dpop(tmp_path_factory: pytest.TempPathFactory) -> None:
    config = {"oauth2": {"dpop": {"required": True}}}
    server = serve_oauth2(tmp_path_factory.mktemp("dpop-required"), "sqlite", config)
    try:
        doc = httpx.get(f"{server.public}/.well-known/openid-configuration").json()
        assert "ES256" in doc["dpop_signing_alg_values_supported"]
        rp = machine(server)
        assert "required" in refused(rp, None)
        holder = Holder()
        issued = token_request(rp, CREDENTIALS, holder.proof("POST", token_url(server)))
        assert issued.status_code == 200 and issued.json()["token_type"] == "DPoP"
    finally:
        server.server.stop()
