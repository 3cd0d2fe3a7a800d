"""The permission service's config spec agrees with Keto's published config schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from roost.core.config import ConfigSpec, load
from roost.core.errors import ConfigError
from roost.permissions.config import KNOWN, SCHEMA, SPEC, PermissionsConfig
from tests.support import shared


def _paths(schema: dict[str, Any], root: dict[str, Any], prefix: str = "") -> Iterator[str]:
    if "$ref" in schema and schema["$ref"].startswith("#/definitions/"):
        schema = root["definitions"][schema["$ref"].split("/")[-1]]
    for key, sub in schema.get("properties", {}).items():
        yield prefix + key
        yield from _paths(sub, root, prefix + key + ".")
    for alt in schema.get("oneOf", []):
        yield from _paths(alt, root, prefix)


@pytest.fixture(scope="module")
def ory() -> dict[str, Any]:
    data: dict[str, Any] = shared.load_json("ory-specs/keto.config.schema.json")
    return data


def test_every_key_we_accept_is_a_keto_key(ory: dict[str, Any]) -> None:
    theirs = set(_paths(ory, ory))
    ours = set(_paths(SCHEMA, SCHEMA))
    assert ours <= theirs, sorted(ours - theirs)


def test_every_keto_top_level_key_is_implemented_or_warned(ory: dict[str, Any]) -> None:
    top = set(ory["properties"])
    assert top <= set(SPEC.schema["properties"]) | {k for k in KNOWN if "." not in k}


def test_seed_values_block_validates() -> None:
    block = {
        "serve": {"read": {"port": 4466}, "write": {"port": 4467}},
        "namespaces": [{"id": 0, "name": "default_namespace"}, {"id": 1, "name": "documents"}],
        "dsn": "cockroach://ory:securepass@crdb:26257/keto?sslmode=disable",
    }
    loaded = load(block, SPEC, {})
    cfg = PermissionsConfig.from_values(loaded.values, pagination_secret="x" * 16)
    assert (cfg.read.port, cfg.write.port, cfg.max_read_depth) == (4466, 4467, 5)


def test_env_overrides_and_warnings() -> None:
    env = {
        "ROOST_PERMISSIONS_LIMIT_MAX_READ_DEPTH": "9",
        "ROOST_PERMISSIONS_SECRETS_PAGINATION": "first-secret-xxxxxx,second-secret-xxxxx",
        "ROOST_PERMISSIONS_FEATURE_FLAGS_STRICT_MODE": "true",
    }
    loaded = load({"dsn": "memory", "profiling": "cpu"}, SPEC, env)
    cfg = PermissionsConfig.from_values(loaded.values, pagination_secret="unused-secret-xx")
    assert cfg.max_read_depth == 9 and cfg.strict_mode
    assert cfg.pagination_secrets == ("first-secret-xxxxxx", "second-secret-xxxxx")
    assert loaded.warnings == (
        "permissions: Ory config key 'profiling' is not implemented by Roost yet",
    )


@pytest.mark.parametrize(
    ("values", "env", "fragment"),
    [
        ({"limit": {"max_read_depth": 0}}, {}, "limit.max_read_depth"),
        ({"namespaces": [{"nam": "x"}]}, {}, "namespaces"),
        ({}, {"ROOST_PERMISSIONS_FEATURE_FLAGS_STRICT_MODE": "maybe"}, "true or false"),
        ({"secrets": {"pagination": ["short"]}}, {}, "secrets.pagination.0"),
    ],
)
def test_rejects(values: dict[str, Any], env: dict[str, str], fragment: str) -> None:
    spec: ConfigSpec = SPEC
    with pytest.raises(ConfigError, match=fragment.replace(".", r"\.")):
        load(values, spec, env)
