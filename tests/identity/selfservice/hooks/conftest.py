"""Identity servers whose flows call a real web-hook receiver (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import BACKENDS
from tests.identity.conftest import Kratos, serve_identity
from tests.identity.selfservice.hooks.receiver import Receiver, start_receiver
from tests.support.server import free_port

API_KEY = "hook-key-s3cret"
TEMPLATE = "function(ctx) { email: ctx.identity.traits.email, flow_id: ctx.flow.id }"


def web_hook(url: str, **config: Any) -> dict[str, Any]:
    return {"hook": "web_hook", "config": {"url": url, "method": "POST", **config}}


def hooks_config(base: str) -> dict[str, Any]:
    body = "base64://" + base64.b64encode(TEMPLATE.encode()).decode()
    key_header = {"type": "api_key", "config": {"name": "X-Hook-Key", "value": API_KEY}}
    key_cookie = {
        "type": "api_key",
        "config": {"name": "hook_key", "value": API_KEY, "in": "cookie"},
    }
    basic = {"type": "basic_auth", "config": {"user": "roost", "password": API_KEY}}
    return {
        "selfservice": {
            "flows": {
                "registration": {
                    "before": {"hooks": [web_hook(f"{base}/before", auth=key_header)]},
                    "after": {
                        "hooks": [
                            web_hook(f"{base}/reg-done", auth=basic, response={"ignore": True})
                        ],
                        "password": {
                            "hooks": [
                                web_hook(
                                    f"{base}/parse",
                                    body=body,
                                    can_interrupt=True,
                                    response={"parse": True},
                                ),
                                {"hook": "session"},
                            ]
                        },
                    },
                },
                "settings": {
                    "after": {
                        "profile": {
                            "hooks": [
                                web_hook(
                                    f"{base}/parse", can_interrupt=True, response={"parse": True}
                                )
                            ]
                        }
                    }
                },
                "login": {
                    "after": {
                        "password": {
                            "hooks": [
                                web_hook(f"{base}/login", auth=key_cookie, can_interrupt=True)
                            ]
                        }
                    }
                },
            }
        }
    }


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    r = start_receiver()
    yield r
    r.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def hooked(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, receiver: Receiver
) -> Iterator[Kratos]:
    """Every kind of hook configured, all pointing at ``receiver``."""
    tmp = tmp_path_factory.mktemp(f"kratos-hooks-{request.param}")
    server = serve_identity(tmp, request.param, hooks_config(receiver.url))
    yield Kratos(server)
    server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def unreachable(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Kratos]:
    """Hooks pointing at a port nobody listens on: a blocking one after registration,
    an ignored one after login."""
    down = f"http://127.0.0.1:{free_port()}"
    tmp = tmp_path_factory.mktemp(f"kratos-hooks-down-{request.param}")
    config = {
        "selfservice": {
            "flows": {
                "registration": {
                    "after": {"password": {"hooks": [web_hook(f"{down}/r", can_interrupt=True)]}}
                },
                "login": {"after": {"hooks": [web_hook(f"{down}/l", response={"ignore": True})]}},
            }
        }
    }
    server = serve_identity(tmp, request.param, config)
    yield Kratos(server)
    server.stop()
