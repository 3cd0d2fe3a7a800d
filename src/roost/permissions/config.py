"""The permission service's configuration: Keto's keys, typed.

The JSON Schema below covers the Keto v25.4.0 keys Roost implements; keys Keto
knows that Roost does not implement yet are listed in ``KNOWN`` and produce a
start-up warning. ``tests/permissions/test_config.py`` checks both against Ory's
published schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from roost.core.config import ConfigSpec, get
from roost.core.observability import with_shared_keys

_PORT = {"type": "integer", "minimum": 0, "maximum": 65535}


_LISTENER = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"port": _PORT, "host": {"type": "string"}},
}


_NAMESPACE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "id": {"type": "integer", "minimum": 0, "maximum": 2147483647},
        "config": {"type": "object"},
        "$schema": {"type": "string"},
    },
}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "$schema": {"type": "string"},
        "dsn": {"type": "string"},
        "version": {"type": "string"},
        "serve": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "read": _LISTENER,
                "write": _LISTENER,
                "opl": _LISTENER,
                "metrics": _LISTENER,
            },
        },
        "namespaces": {
            "oneOf": [
                {"type": "string"},
                {"type": "array", "items": _NAMESPACE},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["location"],
                    "properties": {
                        "location": {"type": "string"},
                        "experimental_strict_mode": {"type": "boolean"},
                    },
                },
            ]
        },
        "limit": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "max_read_depth": {"type": "integer", "minimum": 1, "maximum": 65535},
                "max_read_width": {"type": "integer", "minimum": 1, "maximum": 65535},
                "max_batch_check_size": {"type": "integer", "minimum": 1},
                "batch_check_max_parallelization": {"type": "integer", "minimum": 1},
            },
        },
        "secrets": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "pagination": {"type": "array", "items": {"type": "string", "minLength": 16}},
            },
        },
        "feature_flags": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "strict_mode": {"type": "boolean"},
                "expand_rewrites": {"type": "boolean"},
            },
        },
    },
}

KNOWN = frozenset(
    {
        "log.redaction_text",
        "profiling",
        "clients",
        "serve.read.cors",
        "serve.read.tls",
        "serve.read.write_listen_file",
        "serve.write.cors",
        "serve.write.tls",
        "serve.write.write_listen_file",
        "serve.opl.cors",
        "serve.opl.tls",
        "serve.opl.write_listen_file",
        "serve.metrics.cors",
        "serve.metrics.tls",
        "serve.metrics.write_listen_file",
    }
)

SPEC = ConfigSpec("permissions", with_shared_keys(SCHEMA), KNOWN)

SEED_NAMESPACES = [
    {"id": 0, "name": "default_namespace"},
    {"id": 1, "name": "documents"},
    {"id": 2, "name": "users"},
]


@dataclass(frozen=True)
class Listener:
    host: str
    port: int


@dataclass(frozen=True)
class PermissionsConfig:
    """Everything the permission service reads from its config, with Keto's defaults."""

    dsn: str
    read: Listener
    write: Listener
    opl: Listener
    metrics: Listener
    namespaces: Any
    strict_mode: bool
    max_read_depth: int
    max_read_width: int
    max_batch_check_size: int
    batch_check_max_parallelization: int
    pagination_secrets: tuple[str, ...]

    @classmethod
    def from_values(cls, v: dict[str, Any], *, pagination_secret: str) -> PermissionsConfig:
        def listener(name: str, port: int) -> Listener:
            return Listener(
                get(v, f"serve.{name}.host", "") or "", get(v, f"serve.{name}.port", port)
            )

        namespaces = v.get("namespaces", SEED_NAMESPACES)
        strict = bool(get(v, "feature_flags.strict_mode", False)) or bool(
            isinstance(namespaces, dict) and namespaces.get("experimental_strict_mode", False)
        )
        return cls(
            dsn=v.get("dsn", "memory"),
            read=listener("read", 4466),
            write=listener("write", 4467),
            opl=listener("opl", 4469),
            metrics=listener("metrics", 4468),
            namespaces=namespaces,
            strict_mode=strict,
            max_read_depth=get(v, "limit.max_read_depth", 5),
            max_read_width=get(v, "limit.max_read_width", 100),
            max_batch_check_size=get(v, "limit.max_batch_check_size", 10),
            batch_check_max_parallelization=get(v, "limit.batch_check_max_parallelization", 5),
            pagination_secrets=tuple(get(v, "secrets.pagination", None) or [pagination_secret]),
        )
