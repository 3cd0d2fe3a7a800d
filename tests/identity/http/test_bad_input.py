"""Bad input to the browser layer and settings: Kratos's status and shape, never a 500."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.identity.http.conftest import Site

JSON = {"Accept": "application/json"}
SURROGATE = "\ud800"


def _token(flow: dict[str, Any]) -> str:
    return next(
        n["attributes"]["value"]
        for n in flow["ui"]["nodes"]
        if n["attributes"]["name"] == "csrf_token"
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"return_to": "https://x/" + "a" * 3000}, "return_to"),
        ({"login_challenge": "c" * 5000}, "login_challenge"),
        ({"refresh": "maybe"}, "refresh"),
    ],
)
def test_init_parameters(site: Site, params: dict[str, str], field: str) -> None:
    for kind in ("login", "registration", "settings"):
        r = httpx.get(f"{site.public}/self-service/{kind}/browser", params=params, headers=JSON)
        if kind == "settings" and field != "return_to":
            assert r.status_code in (400, 401), r.text  # settings reads no challenge
            continue
        assert r.status_code == 400, (kind, r.text)
        assert field in r.json()["error"]["reason"]


@pytest.mark.parametrize("value", ["!!!", "A" * 5000, "YWJj", "%00"])
def test_garbage_cookies_are_no_cookies(site: Site, value: str) -> None:
    flow = httpx.get(f"{site.public}/self-service/login/browser", headers=JSON)
    name = next(k for k in flow.cookies if k.startswith("csrf_token_"))
    cookies = {name: value, "ory_kratos_session": value}
    with httpx.Client(cookies=cookies) as b:
        got = b.get(f"{site.public}/self-service/login/flows", params={"id": flow.json()["id"]})
        assert got.status_code == 403
        body = {
            "method": "password",
            "identifier": "a@b.c",
            "password": "x",
            "csrf_token": _token(flow.json()),
        }
        r = b.post(flow.json()["ui"]["action"], json=body, headers=JSON)
        assert r.status_code == 403 and r.json()["error"]["id"] == "security_csrf_violation"
        assert b.get(f"{site.public}/sessions/whoami").status_code == 401
        logout = b.get(f"{site.public}/self-service/logout", params={"token": value}, headers=JSON)
        assert logout.status_code in (400, 401)


def test_settings_bodies(site: Site) -> None:
    address, _ = site.identity()
    with site.browser() as b:
        site.sign_in(b, address)
        flow = b.get(f"{site.public}/self-service/settings/browser", headers=JSON).json()
        action, token = flow["ui"]["action"], _token(flow)
        raw = json.dumps(
            {
                "method": "profile",
                "csrf_token": token,
                "traits": {"email": f"a{SURROGATE}@b.co", "name": {"first": "x", "last": "y"}},
            }
        )
        r = b.post(action, content=raw, headers={**JSON, "Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["error"]["code"] == 400
        r = b.post(
            action,
            json={"method": "profile", "csrf_token": token, "traits": {"email": "not-an-email"}},
            headers=JSON,
        )
        assert r.status_code == 400 and r.json()["id"] == flow["id"]
        email_node = next(
            n for n in r.json()["ui"]["nodes"] if n["attributes"]["name"] == "traits.email"
        )
        assert email_node["messages"] and email_node["attributes"]["value"] == "not-an-email"
        r = b.post(action, json={"method": "nope", "csrf_token": token}, headers=JSON)
        assert r.status_code == 400
        assert [m["id"] for m in r.json()["ui"]["messages"]] == [4010004]
        r = b.post(
            action, json={"method": "profile", "csrf_token": token, "traits": "x"}, headers=JSON
        )
        assert r.status_code == 400
        r = b.post(
            action,
            json={"method": "password", "csrf_token": token, "password": "p" * 5000},
            headers=JSON,
        )
        assert r.status_code == 400
        assert (
            b.get(f"{site.public}/self-service/settings/flows", params={"id": "nope"}).status_code
            == 404
        )
        r = b.post(f"{site.public}/self-service/settings?flow=nope", json={}, headers=JSON)
        assert r.status_code == 400
