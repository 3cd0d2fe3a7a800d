"""The OAuth2 config: our schema against Hydra's, defaults, env overrides, generated secrets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from roost.core.config import load
from roost.core.errors import ConfigError
from roost.oauth2.config import KNOWN, SCHEMA, SPEC, OAuth2Config
from roost.oauth2.module import MODULE

ROOST_ONLY = {
    "janitor",
    "oauth2.pushed_authorization_requests",  # beyond Hydra (0031)
    "oauth2.dpop",  # beyond Hydra (0034)
    "oauth2.hashers.verified_secret_ttl",  # beyond Hydra (0039)
}


def _paths(schema: dict[str, Any], prefix: str = "") -> set[str]:
    out = set()
    for key, sub in schema.get("properties", {}).items():
        path = f"{prefix}{key}"
        out.add(path)
        out |= _paths(sub, path + ".")
    return out


def test_keys_exist_in_hydras_schema(shared_dir: Path) -> None:
    hydra = json.loads((shared_dir / "ory-specs/hydra.config.schema.json").read_text())

    def resolves(dotted: str) -> bool:
        node: Any = hydra
        for key in dotted.split("."):
            props = node.get("properties") or {}
            if key not in props:
                # serve.public/admin are refs into ory's shared serve schema
                return dotted.startswith(("serve.public", "serve.admin"))
            node = props[key]
        return True

    def roost_only(path: str) -> bool:
        return any(path == k or path.startswith(k + ".") for k in ROOST_ONLY | {"$schema"})

    ours = {p for p in _paths(SCHEMA) if not roost_only(p)}
    missing = sorted(p for p in ours | set(KNOWN) if not resolves(p))
    assert missing == []


def test_pushed_authorization_requests_are_off_unless_configured() -> None:
    base = {"dsn": "memory", "secrets": {"system": ["x" * 32]}}
    off = OAuth2Config.from_values(load(base, SPEC, {}).values)
    assert not off.par_enabled and not off.par_required and off.par_ttl.total_seconds() == 60
    on = {**base, "oauth2": {"pushed_authorization_requests": {"enabled": True, "ttl": "90s"}}}
    cfg = OAuth2Config.from_values(load(on, SPEC, {}).values)
    assert cfg.par_enabled and cfg.par_ttl.total_seconds() == 90
    bad = {**base, "oauth2": {"pushed_authorization_requests": {"ttl": "soon"}}}
    with pytest.raises(ConfigError):
        load(bad, SPEC, {})


def test_dpop_is_off_unless_configured_and_takes_asymmetric_algorithms_only() -> None:
    base = {"dsn": "memory", "secrets": {"system": ["x" * 32]}}
    off = OAuth2Config.from_values(load(base, SPEC, {}).values)
    assert not off.dpop_enabled and not off.dpop_required
    assert off.dpop_proof_lifetime.total_seconds() == 60 and "ES256" in off.dpop_algorithms
    assert "EdDSA" not in off.dpop_algorithms  # RFC 9864 deprecates it: only when configured
    required = {**base, "oauth2": {"dpop": {"required": True, "algorithms": ["ES256"]}}}
    cfg = OAuth2Config.from_values(load(required, SPEC, {}).values)
    assert cfg.dpop_enabled and cfg.dpop_required and cfg.dpop_algorithms == ("ES256",)
    for bad in ({"algorithms": ["HS256"]}, {"algorithms": ["none"]}, {"algorithms": []},
                {"proof_lifetime": "soon"}, {"enabled": "yes"}):  # fmt: skip
        with pytest.raises(ConfigError):
            load({**base, "oauth2": {"dpop": bad}}, SPEC, {})


def test_defaults_and_generated_secret(tmp_path: Path) -> None:
    values = MODULE.prepare(MODULE.defaults(tmp_path), tmp_path)
    assert len(values["secrets"]["system"][0]) >= 32
    assert (
        MODULE.prepare(MODULE.defaults(tmp_path), tmp_path) == values
    )  # the same secret on restart
    cfg = OAuth2Config.from_values(load(values, SPEC, {}).values)
    assert cfg.hashers.algorithm == "pbkdf2" and cfg.hashers.pbkdf2_iterations == 25000
    assert cfg.access_token_ttl.total_seconds() == 3600
    assert cfg.public.port == 4444 and cfg.admin.port == 4445
    assert cfg.access_token_strategy == "opaque" and cfg.issuer == "http://localhost:4444"


def test_env_overrides_and_warnings() -> None:
    raw = {"dsn": "memory", "secrets": {"system": ["x" * 32]}, "profiling": "cpu"}
    env = {"ROOST_OAUTH2_TTL_ACCESS_TOKEN": "5m", "ROOST_OAUTH2_STRATEGIES_ACCESS_TOKEN": "jwt",
           "ROOST_OAUTH2_OAUTH2_HASHERS_ALGORITHM": "bcrypt"}  # fmt: skip
    loaded = load(raw, SPEC, env)
    cfg = OAuth2Config.from_values(loaded.values)
    assert cfg.access_token_ttl.total_seconds() == 300
    assert cfg.access_token_strategy == "jwt" and cfg.hashers.algorithm == "bcrypt"
    assert any("'profiling'" in w for w in loaded.warnings)


@pytest.mark.parametrize(
    "raw",
    [
        {"secrets": {"system": ["short"]}},
        {"ttl": {"access_token": "soon"}},
        {"strategies": {"access_token": "magic"}},
        {"oauth2": {"hashers": {"bcrypt": {"cost": 3}}}},
        {"bogus": 1},
    ],
)
def test_bad_values_name_the_key(raw: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        load(raw, SPEC, {})


def test_every_hydra_top_level_key_is_implemented_or_known(shared_dir: Path) -> None:
    hydra = json.loads((shared_dir / "ory-specs/hydra.config.schema.json").read_text())
    covered = set(SPEC.schema["properties"]) | {k.split(".")[0] for k in KNOWN}
    assert sorted(set(hydra["properties"]) - covered) == []
