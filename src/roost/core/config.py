"""Loading one service's configuration: file, then environment, then validation.

Each service describes the Ory keys it implements with a JSON Schema (written by
us, checked against Ory's published schema in the tests) and lists the Ory keys
it knows but does not implement yet. A key outside both, or a value of the
wrong type, is a :class:`ConfigError` naming the key; a known but unimplemented
key becomes a start-up warning.

Environment variables override file values: ``ROOST_<SERVICE>_<PATH>``, the
path's keys upper-cased and joined by ``_`` (``ROOST_PERMISSIONS_DSN``,
``ROOST_PERMISSIONS_LIMIT_MAX_READ_DEPTH``, ``ROOST_OAUTH2_SECRETS_SYSTEM``).
Arrays and objects are given as JSON; a plain string array may also be given
comma-separated.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from roost.core.errors import ConfigError


@dataclass(frozen=True)
class ConfigSpec:
    """What a service accepts: ``schema`` for implemented keys, ``known`` for the rest of Ory's."""

    service: str
    schema: dict[str, Any]
    known: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class LoadedConfig:
    values: dict[str, Any]
    warnings: tuple[str, ...]


def read_file(path: Path) -> dict[str, Any]:
    """Read a YAML or JSON config file into a mapping."""
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must contain a mapping at the top level")
    return data


def _leaf_paths(
    schema: Mapping[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any]]]:
    props = schema.get("properties")
    if not props:
        yield prefix, schema
        return
    for key, sub in props.items():
        yield from _leaf_paths(sub, (*prefix, key))


def _coerce(raw: str, schema: Mapping[str, Any], name: str) -> Any:
    types = schema.get("type", "string")
    types = types if isinstance(types, list) else [types]
    if "string" in types and not raw.startswith(("[", "{")):
        return raw
    if "array" in types and not raw.startswith("["):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if types == ["boolean"]:
        if raw.lower() not in ("true", "false", "1", "0"):
            raise ConfigError(f"environment variable {name} must be true or false")
        return raw.lower() in ("true", "1")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"environment variable {name} is not valid: {exc.msg}") from exc


def apply_env(values: dict[str, Any], spec: ConfigSpec, env: Mapping[str, str]) -> None:
    """Overlay ``ROOST_<SERVICE>_<PATH>`` variables onto ``values`` in place."""
    prefix = f"ROOST_{spec.service.upper()}_"
    for path, sub in _leaf_paths(spec.schema):
        name = prefix + "_".join(path).upper()
        if name not in env:
            continue
        node = values
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node[path[-1]] = _coerce(env[name], sub, name)


def _path_text(path: Any) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def validate(values: dict[str, Any], spec: ConfigSpec) -> tuple[str, ...]:
    """Raise on unknown keys or wrong types; return warnings for unimplemented Ory keys."""
    warnings = []
    implemented = json.loads(json.dumps(values))
    for dotted in sorted(spec.known):
        *parents, leaf = dotted.split(".")
        node = get(implemented, ".".join(parents)) if parents else implemented
        if isinstance(node, dict) and leaf in node:
            warnings.append(
                f"{spec.service}: Ory config key {dotted!r} is not implemented by Roost yet"
            )
            del node[leaf]
    validator = jsonschema.Draft7Validator(spec.schema)
    errors = sorted(validator.iter_errors(implemented), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        if err.validator == "additionalProperties":
            raise ConfigError(f"{spec.service}: {err.message} at {_path_text(err.absolute_path)}")
        raise ConfigError(
            f"{spec.service}: invalid value at {_path_text(err.absolute_path)}: {err.message}"
        )
    return tuple(warnings)


def load(raw: dict[str, Any], spec: ConfigSpec, env: Mapping[str, str]) -> LoadedConfig:
    """File values, overlaid by environment, validated."""
    values = json.loads(json.dumps(raw))  # deep copy, also rejects non-JSON YAML values
    apply_env(values, spec, env)
    warnings = validate(values, spec)
    return LoadedConfig(values, warnings)


def split_roost_file(data: dict[str, Any], services: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Split a ``roost.yaml`` into its per-service blocks (``services``: the known names)."""
    unknown = sorted(set(data) - set(services))
    if unknown:
        raise ConfigError(
            f"unknown top-level key {unknown[0]!r} in config: expected one of {', '.join(services)}"
        )
    blocks = {}
    for name in services:
        block = data.get(name) or {}
        if not isinstance(block, dict):
            raise ConfigError(f"config block {name!r} must be a mapping")
        blocks[name] = block
    return blocks


def get(values: Mapping[str, Any], dotted: str, default: Any = None) -> Any:
    """``values['a']['b']`` for ``'a.b'``, or ``default`` when any step is missing."""
    node: Any = values
    for key in dotted.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return default
        node = node[key]
    return node
