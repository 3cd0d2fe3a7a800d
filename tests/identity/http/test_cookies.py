"""The cookies' attributes from ``session.cookie.*`` and ``cookies.*``, over TLS-facing URLs.

The public base URL is ``https://`` (as behind a TLS-terminating proxy), so
both cookies are Secure, and ``SameSite=None`` is kept; the session cookie
takes its name, domain, path and (non-)persistence from the config. The
client sends the cookies back by hand: httpx keeps Secure cookies off plain
http, as a browser would.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import BACKENDS
from tests.identity.conftest import Kratos, serve_identity
from tests.identity.http.conftest import PASSWORD, Site
from tests.support.kratos_ui import UIServer

BASE = "https://auth.example.com"


@pytest.fixture(scope="module", params=BACKENDS)
def tls_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    ui = UIServer()
    config = {
        "serve": {"public": {"base_url": BASE + "/"}},
        "selfservice": ui.config(),
        "session": {
            "cookie": {
                "name": "roost_sid",
                "domain": "example.com",
                "path": "/",
                "same_site": "None",
                "persistent": False,
            }
        },
        "cookies": {"same_site": "Strict", "path": "/"},
    }
    server = serve_identity(tmp_path_factory.mktemp(f"tls-{request.param}"), request.param, config)
    ui.kratos = server.urls["public"]
    yield Site(Kratos(server), ui)
    server.stop()
    ui.stop()


def _attrs(header: str) -> dict[str, str]:
    parts = [p.strip() for p in header.split(";")]
    out = {"=": parts[0]}
    for p in parts[1:]:
        key, _, value = p.partition("=")
        out[key.lower()] = value
    return out


@pytest.mark.parametrize("remember", [None, True], ids=["no-choice", "remember"])
def test_cookie_attributes_follow_the_config(tls_site: Site, remember: bool | None) -> None:
    """Without a choice ``persistent: false`` decides; the user's ``remember: true`` (a
    Roost extension, decision 0036) makes this one cookie persistent all the same."""
    address, identity_id = tls_site.identity()
    public = tls_site.public
    r = httpx.get(f"{public}/self-service/login/browser", headers={"Accept": "application/json"})
    csrf_name = "csrf_token_" + hashlib.sha256(f"{BASE}/".encode()).hexdigest()
    csrf = _attrs(r.headers["set-cookie"])
    assert csrf["="].startswith(csrf_name + "=")
    assert "secure" in csrf and "httponly" in csrf and csrf["samesite"] == "strict"
    flow = r.json()
    assert flow["ui"]["action"].startswith(f"{BASE}/self-service/login?flow=")
    token = next(
        n["attributes"]["value"]
        for n in flow["ui"]["nodes"]
        if n["attributes"]["name"] == "csrf_token"
    )
    cookie = csrf["="]
    done = httpx.post(
        f"{public}/self-service/login?flow={flow['id']}",
        json={
            "method": "password",
            "identifier": address,
            "password": PASSWORD,
            "csrf_token": token,
            **({} if remember is None else {"remember": remember}),
        },
        headers={"Accept": "application/json", "Cookie": cookie},
    )
    assert done.status_code == 200, done.text
    set_cookies = [_attrs(h) for h in done.headers.get_list("set-cookie")]
    session = next(c for c in set_cookies if c["="].startswith("roost_sid="))
    assert any(c["="].startswith(csrf_name) for c in set_cookies)  # rotated with the session
    assert session["="].startswith("roost_sid=")
    assert session["domain"] == "example.com" and session["path"] == "/"
    assert session["samesite"] == "none" and "secure" in session and "httponly" in session
    if remember:
        assert 0 < int(session["max-age"]) <= 24 * 3600  # session.lifespan's default
    else:
        assert "max-age" not in session and "expires" not in session  # persistent: false
    me = httpx.get(f"{public}/sessions/whoami", headers={"Cookie": session["="]})
    assert me.status_code == 200 and me.json()["identity"]["id"] == identity_id
