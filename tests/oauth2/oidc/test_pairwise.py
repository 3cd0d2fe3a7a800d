"""Pairwise subject identifiers (OIDC Core §8.1) end to end, on SQLite and PostgreSQL.

The expected ``sub`` is recomputed here from Hydra's formula; ID tokens are
verified with PyJWT; ``sector_identifier_uri`` documents are served over real
HTTPS from a test CA the server trusts through ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ory_hydra_client.api.o_auth2_api import OAuth2Api

from roost.core.config import load
from roost.core.errors import ConfigError
from roost.oauth2.config import SPEC, OAuth2Config
from tests.conftest import BACKENDS
from tests.oauth2.conftest import Hydra, serve_oauth2
from tests.oauth2.consent.flows import REDIRECT, Browser, admin_api, code_flow, new_rp
from tests.oauth2.oidc.test_authorize_response import GRANTS, auth_url, fragment, id_token
from tests.support.tls import HTTPSFiles, make_ca

SALT = "a-pairwise-salt-for-tests"
OTHER = "http://localhost:5556/cb"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_ca(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def sectors(tls: tuple[Path, Path, Path]) -> Iterator[HTTPSFiles]:
    files = {
        "/sector.json": json.dumps([REDIRECT, OTHER]).encode(),
        "/empty.json": b"[]",
        "/other.json": json.dumps(["https://elsewhere.example/cb"]).encode(),
        "/object.json": b'{"redirect_uris": []}',
    }
    server = HTTPSFiles(tls[1], tls[2], files)
    yield server
    server.close()


@pytest.fixture(scope="module", params=BACKENDS)
def h(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    tls: tuple[Path, Path, Path],
) -> Iterator[Hydra]:
    config = {"oidc": {"subject_identifiers": {"supported_types": ["public", "pairwise"],
                                               "pairwise": {"salt": SALT}}}}  # fmt: skip
    tmp = tmp_path_factory.mktemp(f"pairwise-{request.param}")
    server = serve_oauth2(tmp, request.param, config, env={"SSL_CERT_FILE": str(tls[0])})
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


def expected(sector: str, subject: str) -> str:
    return hashlib.sha256(f"{sector}{subject}{SALT}".encode()).hexdigest()


def userinfo(h: Hydra, access_token: str) -> httpx.Response:
    return httpx.get(f"{h.public}/userinfo", headers={"Authorization": f"Bearer {access_token}"})


def _tokens(browser: Browser, api: OAuth2Api, h: Hydra, **body: Any) -> tuple[Any, dict[str, Any]]:
    rp = new_rp(h, **body)
    callback, state = code_flow(browser, api, rp)
    return rp, rp.fetch_token(callback, state)


def test_pairwise_sub_in_id_token_userinfo_and_introspection(
    h: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    rp, token = _tokens(browser, api, h, subject_type="pairwise")
    assert rp.client["subject_type"] == "pairwise"
    sub = expected("127.0.0.1:5555", "alice")
    assert id_token(h, token["id_token"], rp.client["client_id"])["sub"] == sub
    info = userinfo(h, token["access_token"])
    assert info.status_code == 200 and info.json()["sub"] == sub
    seen = api.introspect_o_auth2_token(token["access_token"])
    assert seen.sub == "alice" and seen.obfuscated_subject == sub
    refreshed = httpx.post(f"{h.public}/oauth2/token", data={"grant_type": "refresh_token",
                           "refresh_token": token["refresh_token"]},
                           auth=(rp.client["client_id"], rp.client["client_secret"]))  # fmt: skip
    assert refreshed.status_code == 200, refreshed.text
    info = userinfo(h, refreshed.json()["access_token"])
    assert info.json()["sub"] == sub  # the grant keeps its pairwise sub after refresh
    # A public client on the same server sees the real subject.
    public, token = _tokens(browser, api, h)
    assert public.client["subject_type"] == "public"
    assert id_token(h, token["id_token"], public.client["client_id"])["sub"] == "alice"
    assert api.introspect_o_auth2_token(token["access_token"]).obfuscated_subject is None


def test_pairwise_differs_per_sector_and_can_be_forced(
    h: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    other = new_rp(h, subject_type="pairwise", redirect_uris=[OTHER],
                   grant_types=GRANTS, response_types=["id_token"])  # fmt: skip
    url = auth_url(other, "id_token", redirect_uri=OTHER)
    consent = browser.login(api, browser.start(url), subject="alice")
    done = api.accept_o_auth2_consent_request(consent, {"grant_scope": ["openid"]})
    got = fragment(browser.get(done.redirect_to).headers["location"])
    claims = id_token(h, got["id_token"], other.client["client_id"])
    assert claims["sub"] == expected("localhost:5556", "alice") != expected("127.0.0.1:5555",
                                                                             "alice")  # fmt: skip
    rp = new_rp(h, subject_type="pairwise")
    url, state = rp.authorization_url()
    consent = browser.login(api, browser.start(url), force_subject_identifier="forced-sub-1")
    callback = browser.consent(api, consent)
    claims = id_token(h, rp.fetch_token(callback, state)["id_token"], rp.client["client_id"])
    assert claims["sub"] == "forced-sub-1"


def test_sector_identifier_uri(
    h: Hydra, api: OAuth2Api, browser: Browser, sectors: HTTPSFiles
) -> None:
    sector = sectors.url("/sector.json")
    rp, token = _tokens(browser, api, h, subject_type="pairwise",
                        redirect_uris=[REDIRECT, OTHER], sector_identifier_uri=sector)  # fmt: skip
    claims = id_token(h, token["id_token"], rp.client["client_id"])
    assert claims["sub"] == expected(sector, "alice")
    for uri, words in [
        ("http://127.0.0.1:1/sector.json", "HTTPS"),
        (sectors.url("/missing.json"), "Unable to connect"),
        (sectors.url("/empty.json"), "no items"),
        (sectors.url("/object.json"), "JSON array"),
        (sectors.url("/other.json"), "does not match"),
        ("https://127.0.0.1:1/unreachable", "Unable to connect"),
    ]:
        response = httpx.post(f"{h.admin}/admin/clients", json={
            "redirect_uris": [REDIRECT], "sector_identifier_uri": uri})  # fmt: skip
        assert response.status_code == 400, (uri, response.text)
        body = response.json()
        assert body["error"] == "invalid_client_metadata" and words in body["error_description"]


def test_pairwise_without_sector_and_several_redirects_is_refused_at_authorization(
    h: Hydra, api: OAuth2Api, browser: Browser
) -> None:
    rp = new_rp(h, subject_type="pairwise", redirect_uris=[REDIRECT, OTHER])
    url, _ = rp.authorization_url()
    consent = browser.login(api, browser.start(url))
    done = api.accept_o_auth2_consent_request(consent, {"grant_scope": ["openid"]})
    response = browser.get(done.redirect_to)
    assert response.status_code == 303 and response.headers["location"].startswith(REDIRECT)
    assert "error=invalid_request" in response.headers["location"]
    assert "code=" not in response.headers["location"]


def test_a_server_without_pairwise_refuses_pairwise_clients(hydra: Hydra) -> None:
    response = httpx.post(f"{hydra.admin}/admin/clients", json={"subject_type": "pairwise"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"
    doc = httpx.get(f"{hydra.public}/.well-known/openid-configuration").json()
    assert doc["subject_types_supported"] == ["public"]


def test_discovery_lists_pairwise(h: Hydra) -> None:
    doc = httpx.get(f"{h.public}/.well-known/openid-configuration").json()
    assert doc["subject_types_supported"] == ["public", "pairwise"]


def test_pairwise_needs_a_salt() -> None:
    raw = {"secrets": {"system": ["a-system-secret-of-32-characters!"]},
           "oidc": {"subject_identifiers": {"supported_types": ["pairwise"]}}}  # fmt: skip
    with pytest.raises(ConfigError, match="salt"):
        OAuth2Config.from_values(load(raw, SPEC, {}).values)
    raw["oidc"]["subject_identifiers"]["pairwise"] = {"salt": SALT}  # type: ignore[index]
    cfg = OAuth2Config.from_values(load(raw, SPEC, {}).values)
    assert cfg.subject_types == ("pairwise",) and SALT not in repr(cfg)
