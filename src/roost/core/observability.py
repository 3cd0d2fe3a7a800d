"""Config schema fragments every service shares: Ory's ``log`` and ``tracing`` blocks.

Keys as Ory's ``ory://logging-config`` and ``ory://tracing-config`` name them.
Tracing is implemented for the ``otel`` provider (OTLP over HTTP); the other
providers Ory lists are accepted and answered with a start-up warning, so an
Ory config file still loads.
"""

from __future__ import annotations

from typing import Any

LOG: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "level": {
            "type": "string",
            "enum": ["trace", "debug", "info", "warning", "warn", "error", "fatal", "panic"],
        },
        "format": {"type": "string", "enum": ["json", "json_pretty", "text"]},
        "leak_sensitive_values": {"type": "boolean"},
        "redaction_text": {"type": "string"},
    },
}

PROVIDERS = ("otel", "jaeger", "zipkin", "datadog", "elastic-apm", "instana")

_SAMPLING = {
    "type": "object",
    "properties": {"sampling_ratio": {"type": "number", "minimum": 0, "maximum": 1}},
}

TRACING: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "provider": {"type": "string", "enum": [*PROVIDERS, ""]},
        "service_name": {"type": "string"},
        "deployment_environment": {"type": "string"},
        "providers": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "otlp": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "server_url": {"type": "string", "minLength": 1},
                        "insecure": {"type": "boolean"},
                        "sampling": _SAMPLING,
                        "authorization_header": {"type": "string"},
                    },
                },
                **{name: {"type": "object"} for name in ("jaeger", "zipkin")},
            },
        },
    },
}


def with_shared_keys(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (a service's top-level object schema) accepting ``log`` and ``tracing``."""
    return {**schema, "properties": {**schema["properties"], "log": LOG, "tracing": TRACING}}
