"""Hook configuration is checked at start-up, with errors naming the key."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from roost.core.config import load
from roost.core.errors import ConfigError
from roost.identity.config import SPEC
from roost.identity.selfservice.hooks.config import HookConfig
from tests.identity.selfservice.hooks.conftest import web_hook

URL = "http://127.0.0.1:9/hook"


def at_login(*hooks: dict[str, Any]) -> dict[str, Any]:
    return {"selfservice": {"flows": {"login": {"after": {"password": {"hooks": list(hooks)}}}}}}


def test_hook_keys_load_without_a_not_implemented_warning() -> None:
    loaded = load(at_login(web_hook(URL)), SPEC, {})
    assert not [w for w in loaded.warnings if "hooks" in w]
    hooks = HookConfig.from_values(loaded.values).after("login", "password")
    assert hooks[0].url == URL and hooks[0].method == "POST" and hooks[0].template is None


def test_a_base64_body_is_decoded_once() -> None:
    body = "base64://" + base64.b64encode(b"function(ctx) ctx").decode()
    hooks = HookConfig.from_values(at_login(web_hook(URL, body=body)))
    assert hooks.after("login", "password")[0].template == "function(ctx) ctx"


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"response": {"ignore": True, "parse": True}}, "cannot ignore"),
        ({"response": {"ignore": True}, "can_interrupt": True}, "cannot ignore"),
        ({"body": "https://example.com/t.jsonnet"}, "base64:// or file://"),
        ({"body": "file:///nonexistent/t.jsonnet"}, "cannot read"),
        ({"auth": {"type": "api_key", "config": {"name": "X"}}}, ".auth"),
        ({"auth": {"type": "oauth", "config": {}}}, ".auth"),
        ({"url": "ftp://x"}, ".url"),
    ],
)
def test_misconfigured_hooks_stop_start_up(config: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError) as refused:
        HookConfig.from_values(at_login({"hook": "web_hook", "config": {"url": URL, **config}}))
    message = str(refused.value)
    assert words in message and "selfservice.flows.login.after.password.hooks[0]" in message
