"""``roost oauth2 perform authorization-code`` driven end to end, on SQLite and PostgreSQL.

The command runs as a real process with its callback server; the test plays
the browser (httpx, keeping cookies) and the login/consent app (through
``ory-hydra-client``); PyJWT verifies the printed ID token against the JWKS.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import jwt
import pytest
from ory_hydra_client.api.o_auth2_api import OAuth2Api

from tests.oauth2.conftest import Hydra
from tests.oauth2.consent.flows import Browser, admin_api, query
from tests.support.server import free_port


@pytest.fixture
def api(hydra: Hydra) -> Iterator[OAuth2Api]:
    with admin_api(hydra) as a:
        yield a


def start(hydra: Hydra, port: int, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "roost", "oauth2", "perform", "authorization-code", "--no-open",
         "-e", hydra.public, "--port", str(port), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/nothing", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(proc.communicate()[1])


def browse(hydra: Hydra, api: OAuth2Api, port: int, subject: str) -> httpx.Response:
    """The browser opens the command's home page and goes through login and consent."""
    browser = Browser(hydra)
    try:
        home = browser.get(f"http://127.0.0.1:{port}/")
        assert home.status_code == 302
        login = query(browser.get(home.headers["location"]).headers["location"])
        consent = browser.login(api, login["login_challenge"], subject=subject)
        callback = browser.consent(api, consent)
        assert callback.startswith(f"http://127.0.0.1:{port}/callback?")
        return browser.get(callback)
    finally:
        browser.close()


def test_perform_authorization_code(hydra: Hydra, api: OAuth2Api) -> None:
    port = free_port()
    client = hydra.create_client(
        grant_types=["authorization_code", "refresh_token"], response_types=["code"],
        redirect_uris=[f"http://127.0.0.1:{port}/callback"], scope="openid offline",
    )  # fmt: skip
    proc = start(hydra, port, "--client-id", client["client_id"],
                 "--client-secret", client["client_secret"], "--format", "json")  # fmt: skip
    page = browse(hydra, api, port, "cli-user")
    assert page.status_code == 200 and "Success" in page.text
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in err
    tokens = json.loads(out)
    assert tokens["access_token"].startswith("ory_at_")
    assert tokens["refresh_token"].startswith("ory_rt_")
    key = jwt.PyJWKClient(f"{hydra.public}/.well-known/jwks.json")
    claims = jwt.decode(tokens["id_token"], key.get_signing_key_from_jwt(tokens["id_token"]).key,
                        algorithms=["RS256"], audience=client["client_id"],
                        issuer=hydra.public)  # fmt: skip
    assert claims["sub"] == "cli-user" and claims["nonce"]
    info = api.introspect_o_auth2_token(tokens["access_token"])
    assert info.active and info.sub == "cli-user" and info.scope == "offline openid"


def test_public_client_and_table_output(hydra: Hydra, api: OAuth2Api) -> None:
    port = free_port()
    client = hydra.create_client(
        grant_types=["authorization_code"], response_types=["code"], scope="openid",
        redirect_uris=[f"http://127.0.0.1:{port}/callback"], token_endpoint_auth_method="none",
    )  # fmt: skip
    proc = start(hydra, port, "--client-id", client["client_id"], "--scope", "openid")
    assert browse(hydra, api, port, "public-user").status_code == 200
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    rows = dict(line.split("\t", 1) for line in out.splitlines())
    assert rows["ACCESS TOKEN"].startswith("ory_at_") and rows["REFRESH TOKEN"] == "<empty>"


def test_a_refused_login_and_a_wrong_state_fail(hydra: Hydra, api: OAuth2Api) -> None:
    port = free_port()
    client = hydra.create_client(redirect_uris=[f"http://127.0.0.1:{port}/callback"],
                                 scope="openid offline")  # fmt: skip
    proc = start(hydra, port, "--client-id", client["client_id"],
                 "--client-secret", client["client_secret"])  # fmt: skip
    forged = httpx.get(f"http://127.0.0.1:{port}/callback?code=ory_ac_x.y&state=not-ours")
    assert forged.status_code == 500 and "States do not match" in forged.text
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1 and "States do not match" in err and out == ""
    port = free_port()
    client = hydra.create_client(redirect_uris=[f"http://127.0.0.1:{port}/callback"],
                                 scope="openid offline")  # fmt: skip
    proc = start(hydra, port, "--client-id", client["client_id"],
                 "--client-secret", client["client_secret"])  # fmt: skip
    browser = Browser(hydra)
    try:
        home = browser.get(f"http://127.0.0.1:{port}/")
        challenge = query(browser.get(home.headers["location"]).headers["location"])
        done = api.reject_o_auth2_login_request(challenge["login_challenge"],
                                                {"error": "access_denied"})  # fmt: skip
        callback = browser.get(done.redirect_to).headers["location"]
        assert browser.get(callback).status_code == 500
    finally:
        browser.close()
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1 and "Got error" in err
