"""``web_hook`` before and after registration and login, end to end over real sockets.

The Roost server (SQLite and PostgreSQL) calls the test's own HTTP receiver;
clients are Ory's SDK and httpx. Covered: the before hook's context and
``api_key`` header, ``response.parse`` changing the identity before it is
written, ``can_interrupt`` messages on the flow's nodes with nothing
written, a failing hook as Kratos's 502, ``response.ignore`` with
``basic_auth`` never delaying the flow, and an unreachable receiver.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
from ory_kratos_client.models import (
    UpdateRegistrationFlowBody,
    UpdateRegistrationFlowWithPasswordMethod,
)

from tests.identity.conftest import Kratos, email
from tests.identity.selfservice.hooks.conftest import API_KEY
from tests.identity.selfservice.hooks.receiver import Receiver

PASSWORD = "HelloCockro@ch123"


def register(k: Kratos, address: str) -> httpx.Response:
    public = k.server.urls["public"]
    flow = httpx.get(f"{public}/self-service/registration/api").json()
    body = {"method": "password", "password": PASSWORD, "traits": {"email": address}}
    return httpx.post(f"{public}/self-service/registration?flow={flow['id']}", json=body)


def login(k: Kratos, address: str) -> httpx.Response:
    public = k.server.urls["public"]
    flow = httpx.get(f"{public}/self-service/login/api").json()
    body = {"method": "password", "password": PASSWORD, "identifier": address}
    return httpx.post(f"{public}/self-service/login?flow={flow['id']}", json=body)


def admin_create(k: Kratos, address: str) -> None:
    body = {
        "schema_id": "default",
        "traits": {"email": address},
        "credentials": {"password": {"config": {"password": PASSWORD}}},
    }
    assert httpx.post(f"{k.server.urls['admin']}/admin/identities", json=body).status_code == 201


def identities_named(k: Kratos, address: str) -> list[dict[str, Any]]:
    url = f"{k.server.urls['admin']}/admin/identities"
    found: list[dict[str, Any]] = httpx.get(url, params={"credentials_identifier": address}).json()
    return found


def messages_of(flow: dict[str, Any], name: str) -> list[dict[str, Any]]:
    for node in flow["ui"]["nodes"]:
        if node["attributes"].get("name") == name:
            return list(node["messages"])
    raise AssertionError(f"no node {name}")


def test_before_hook_gets_the_new_flow_with_its_api_key(hooked: Kratos, receiver: Receiver) -> None:
    before = len(receiver.to("/before"))
    flow = hooked.frontend.create_native_registration_flow()
    call = receiver.wait_for("/before", before + 1)[-1]
    assert call.headers["x-hook-key"] == API_KEY
    assert call.body["flow"]["id"] == flow.id and call.body["request_method"] == "GET"
    assert "identity" not in call.body
    shown = {h.lower() for h in call.body["request_headers"]}
    assert "authorization" not in shown and "cookie" not in shown


def test_parse_sets_metadata_before_the_identity_is_written(
    hooked: Kratos, receiver: Receiver
) -> None:
    address = email()
    flow = hooked.frontend.create_native_registration_flow()
    body = UpdateRegistrationFlowBody(
        UpdateRegistrationFlowWithPasswordMethod(
            method="password", password=PASSWORD, traits={"email": address}
        )
    )
    done = hooked.frontend.update_registration_flow(
        flow=flow.id, update_registration_flow_body=body
    )
    assert done.identity.metadata_public == {"plan": "gold"}
    assert done.session_token  # the session hook still runs after the web hook
    sent = [c for c in receiver.to("/parse") if c.body.get("email") == address]
    assert sent[0].body == {"email": address, "flow_id": flow.id}  # the Jsonnet template's output
    stored = hooked.admin.get_identity(done.identity.id)
    assert stored.metadata_admin == {"crm": 7}


def test_parse_can_replace_traits_and_the_new_address_signs_in(hooked: Kratos) -> None:
    address = "rename-" + email()
    answer = register(hooked, address)
    assert answer.status_code == 200, answer.text
    assert answer.json()["identity"]["traits"]["email"] == "renamed-" + address
    assert login(hooked, "renamed-" + address).status_code == 200
    assert identities_named(hooked, address) == []


def test_interrupt_shows_the_hooks_messages_and_writes_nothing(hooked: Kratos) -> None:
    address = "deny-" + email()
    answer = register(hooked, address)
    assert answer.status_code == 400
    flow = answer.json()
    assert [m["id"] for m in messages_of(flow, "traits.email")] == [1234]
    assert flow["ui"]["messages"][0] == {"id": 4321, "text": "ask support", "type": "info"}
    assert identities_named(hooked, address) == []


def test_a_failing_hook_is_a_502_in_orys_shape_and_writes_nothing(hooked: Kratos) -> None:
    address = "broken-" + email()
    answer = register(hooked, address)
    assert answer.status_code == 502
    error = answer.json()["error"]
    assert error["code"] == 502 and error["status"] == "Bad Gateway"
    assert address not in answer.text
    assert identities_named(hooked, address) == []


def test_ignored_hook_uses_basic_auth_and_never_delays_the_flow(
    hooked: Kratos, receiver: Receiver
) -> None:
    address = "slow-" + email()
    started = time.monotonic()
    assert register(hooked, address).status_code == 200
    assert time.monotonic() - started < 2.5  # the receiver takes 3 s to answer this one
    calls = [c for c in receiver.wait_for("/reg-done", 1) if _named(c.body) == address]
    deadline = time.monotonic() + 5
    while not calls and time.monotonic() < deadline:
        time.sleep(0.05)
        calls = [c for c in receiver.to("/reg-done") if _named(c.body) == address]
    expected = "Basic " + base64.b64encode(f"roost:{API_KEY}".encode()).decode()
    assert calls and calls[0].headers["authorization"] == expected
    assert calls[0].body["identity"]["id"] and calls[0].body["session"]["id"]


def _named(body: Any) -> str:
    return str(((body or {}).get("identity") or {}).get("traits", {}).get("email", ""))


def test_login_hook_sees_the_session_and_can_refuse_it(hooked: Kratos, receiver: Receiver) -> None:
    address, blocked = email(), "blocked-" + email()
    admin_create(hooked, address)
    admin_create(hooked, blocked)
    ok = login(hooked, address)
    assert ok.status_code == 200, ok.text
    call = next(c for c in receiver.to("/login") if _named(c.body) == address)
    assert call.headers["cookie"] == f"hook_key={API_KEY}"
    assert call.body["session"]["id"] == ok.json()["session"]["id"]
    refused = login(hooked, blocked)
    assert refused.status_code == 400
    assert [m["id"] for m in refused.json()["ui"]["messages"]][-1] == 4321


def test_receiver_down_blocking_fails_cleanly_ignored_does_not(unreachable: Kratos) -> None:
    address = email()
    answer = register(unreachable, address)
    assert answer.status_code == 502
    assert answer.json()["error"]["reason"].startswith("A third-party upstream service")
    assert identities_named(unreachable, address) == []
    admin_create(unreachable, address)
    assert login(unreachable, address).status_code == 200


def test_nothing_personal_or_secret_reaches_the_log(hooked: Kratos) -> None:
    address = "broken-" + email()
    assert register(hooked, address).status_code == 502
    assert register(hooked, "deny-" + email()).status_code == 400
    log = hooked.server.log.read_text()
    assert "web hook" in log  # the failures were logged...
    assert API_KEY not in log and "@example.com" not in log  # ...without secrets or traits
