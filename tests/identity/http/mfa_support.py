"""Helpers the second-factor tests share: reading flows as a UI does, TOTP codes from pyotp."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pyotp

from tests.identity.http.conftest import Site
from tests.support.kratos_ui import Page

JSON = {"Accept": "application/json"}


def node(flow: dict[str, Any], name: str) -> dict[str, Any]:
    """The node called (``name``) or with the id ``name`` (img/text nodes)."""
    for n in flow["ui"]["nodes"]:
        a = n["attributes"]
        if a.get("name") == name or a.get("id") == name:
            return dict(n)
    raise AssertionError(f"no node {name}: {[n['attributes'] for n in flow['ui']['nodes']]}")


def names(flow: dict[str, Any]) -> set[str]:
    return {n["attributes"].get("name") or n["attributes"].get("id") for n in flow["ui"]["nodes"]}


def csrf(flow: dict[str, Any]) -> str:
    return str(node(flow, "csrf_token")["attributes"]["value"])


def settings_flow(site: Site, b: httpx.Client) -> dict[str, Any]:
    r = b.get(f"{site.public}/self-service/settings/browser", headers=JSON)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def code(secret: str, offset: int = 0) -> str:
    """The code an authenticator app shows ``offset`` steps from now."""
    return str(pyotp.TOTP(secret).at(time.time() + 30 * offset))


def fresh_code(secret: str) -> str:
    """A code with at least five seconds of its step left (no flake at a step's edge)."""
    if 30 - time.time() % 30 < 5:
        time.sleep(30 - time.time() % 30 + 0.1)
    return code(secret)


def whoami(site: Site, b: httpx.Client) -> httpx.Response:
    return b.get(f"{site.public}/sessions/whoami", headers=JSON)


def totp_secret(flow: dict[str, Any]) -> str:
    """The TOTP key a settings flow shows as text (``totp_secret_key``, message 1050006)."""
    shown = node(flow, "totp_secret_key")
    assert shown["type"] == "text" and shown["attributes"]["text"]["id"] == 1050006
    return str(shown["attributes"]["text"]["context"]["secret"])


def link_totp(site: Site, b: httpx.Client) -> str:
    """Link TOTP from the settings form, as the reference UI posts it; the key."""
    page = Page(b.get(f"{site.public}/self-service/settings/browser"))
    flow = b.get(f"{site.public}/self-service/settings/flows", params={"id": page.flow_id}).json()
    secret = totp_secret(flow)
    done = b.post(page.action, data=page.form("totp", totp_code=fresh_code(secret)))
    assert Page(done).state == "success", done.text
    return secret
