"""The identity config: every key Roost accepts exists in Kratos's published config schema."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from roost.core.config import load
from roost.core.errors import ConfigError
from roost.identity.config import KNOWN, SPEC, IdentityConfig, duration
from tests.support import shared


def _ory() -> dict[str, Any]:
    data: dict[str, Any] = shared.load_json("ory-specs/kratos.config.schema.json")
    return data


def _resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node and node["$ref"].startswith("#/"):
        target: Any = root
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _ory_has(root: dict[str, Any], path: list[str]) -> bool:
    node = root
    for key in path:
        if str(node.get("$ref", "")).startswith("ory://"):
            return True  # a fragment shared by Ory's services (roost.core.observability)
        node = _resolve(root, node)
        candidates = [node, *node.get("allOf", []), *node.get("oneOf", []), *node.get("anyOf", [])]
        for cand in candidates:
            cand = _resolve(root, cand)
            if key in cand.get("properties", {}):
                node = cand["properties"][key]
                break
        else:
            return False
    return True


def _leaves(schema: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    props = schema.get("properties")
    if not props:
        yield prefix
        return
    for key, sub in props.items():
        yield from _leaves(sub, (*prefix, key))


def test_implemented_and_known_keys_exist_in_kratos_schema() -> None:
    root = _ory()
    for leaf in _leaves(SPEC.schema):
        if leaf == ("$schema",):
            continue
        assert _ory_has(root, list(leaf)), ".".join(leaf)
    for dotted in KNOWN:
        assert _ory_has(root, dotted.split(".")), dotted


def test_defaults_are_kratos_defaults() -> None:
    cfg = IdentityConfig.from_values({}, generated_secret="x" * 32)
    assert (cfg.public.port, cfg.admin.port) == (4433, 4434)
    assert cfg.hasher.algorithm == "bcrypt" and cfg.hasher.bcrypt_cost == 12
    assert cfg.session_lifespan == duration("24h") and cfg.login_lifespan == duration("1h")
    assert cfg.policy.min_length == 8 and not cfg.registration_session_hook
    assert cfg.public.base_url == f"http://{socket.gethostname()}:4433"
    pinned = {"serve": {"public": {"base_url": "https://id.example/"}}}
    assert IdentityConfig.from_values(pinned, generated_secret="x").public.base_url == (
        "https://id.example"
    )


def test_env_overrides_and_errors() -> None:
    loaded = load({}, SPEC, {"ROOST_IDENTITY_HASHERS_BCRYPT_COST": "4"})
    assert loaded.values["hashers"]["bcrypt"]["cost"] == 4
    warned = load({"courier": {"smtp": {}, "channels": []}}, SPEC, {})
    assert [w for w in warned.warnings if "courier" in w] == [
        "identity: Ory config key 'courier.channels' is not implemented by Roost yet"
    ]
    with pytest.raises(ConfigError, match="delivery_strategy"):
        load({"courier": {"delivery_strategy": "http"}}, SPEC, {})
    with pytest.raises(ConfigError):
        load({"hashers": {"bcrypt": {"cost": 3}}}, SPEC, {})
    with pytest.raises(ConfigError):
        load({"nonsense": 1}, SPEC, {})
    with pytest.raises(ConfigError):
        duration("1 hour")
