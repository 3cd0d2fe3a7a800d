"""``web_hook`` after a settings profile change: interrupt keeps the old traits, parse
updates the identity that is saved (SQLite and PostgreSQL, real sockets)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.identity.conftest import Kratos, email
from tests.identity.selfservice.hooks.test_web_hooks import messages_of, register


def change_address(k: Kratos, token: str, address: str) -> httpx.Response:
    public, auth = k.server.urls["public"], {"X-Session-Token": token}
    flow: dict[str, Any] = httpx.get(f"{public}/self-service/settings/api", headers=auth).json()
    body = {"method": "profile", "traits": {"email": address}}
    url = f"{public}/self-service/settings?flow={flow['id']}"
    return httpx.post(url, json=body, headers=auth)


def test_settings_hook_interrupts_then_parses(hooked: Kratos) -> None:
    address = email()
    signed_up = register(hooked, address).json()
    token, identity_id = signed_up["session_token"], signed_up["identity"]["id"]
    admin = f"{hooked.server.urls['admin']}/admin/identities/{identity_id}"
    plan = {"schema_id": "default", "traits": {"email": address}, "state": "active"}
    plan["metadata_public"] = {"plan": "free"}
    assert httpx.put(admin, json=plan).status_code == 200
    assert httpx.get(admin).json()["metadata_public"] == {"plan": "free"}
    refused = change_address(hooked, token, "deny-" + address)
    assert refused.status_code == 400, refused.text
    assert [m["id"] for m in messages_of(refused.json(), "traits.email")] == [1234]
    assert httpx.get(admin).json()["traits"]["email"] == address
    saved = change_address(hooked, token, "new-" + address)
    assert saved.status_code == 200, saved.text
    assert saved.json()["state"] == "success"
    stored = httpx.get(admin).json()
    assert stored["traits"]["email"] == "new-" + address
    assert stored["metadata_public"] == {"plan": "gold"}
