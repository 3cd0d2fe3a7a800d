"""A login web hook that interrupts a browser sign-in: the form comes back (303 to the
login UI) with the hook's messages, and no session cookie is issued."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import BACKENDS
from tests.identity.conftest import email
from tests.identity.http.conftest import PASSWORD, Site, _site
from tests.identity.selfservice.hooks.conftest import web_hook
from tests.identity.selfservice.hooks.receiver import Receiver


@pytest.fixture(scope="session", params=BACKENDS)
def guarded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, receiver: Receiver
) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp(f"browser-hooks-{request.param}-{uuid.uuid4().hex[:6]}")
    hook = web_hook(f"{receiver.url}/login", can_interrupt=True)
    flows = {"login": {"after": {"password": {"hooks": [hook]}}}}
    yield from _site(tmp, request.param, {"flows": flows})


def create(site: Site, address: str) -> None:
    body = {
        "schema_id": "default",
        "traits": {"email": address, "name": {"first": "B", "last": "H"}},
        "credentials": {"password": {"config": {"password": PASSWORD}}},
    }
    assert httpx.post(f"{site.admin}/admin/identities", json=body).status_code == 201


def test_browser_login_interrupted_by_a_hook_shows_its_messages(guarded: Site) -> None:
    blocked, allowed = "blocked-" + email(), email()
    create(guarded, blocked)
    create(guarded, allowed)
    with guarded.browser() as b:
        page = guarded.sign_in(b, blocked)
        assert page.response.url.path == "/login" and page.flow_id
        assert {m["id"] for m in page.messages} >= {4321}
        assert "ory_kratos_session" not in b.cookies
    with guarded.browser() as b:
        assert guarded.sign_in(b, allowed).landing == "/welcome"
        assert "ory_kratos_session" in b.cookies
