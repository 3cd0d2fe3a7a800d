"""OpenTelemetry tracing from Ory's ``tracing`` block (provider ``otel``: OTLP over HTTP).

Each worker builds its own tracer provider after the fork (the span batcher
is a thread), with no global provider set: the request observer is handed
the tracer. Spans carry only the method, route template, status and port
(``roost.runtime.observe``). Providers Ory lists but Roost does not ship
(jaeger, zipkin, datadog, elastic-apm, instana) are named in a warning and
tracing stays off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import Tracer

log = logging.getLogger("roost.tracing")

DEFAULT_NAMES = {"permissions": "Ory Keto", "identity": "Ory Kratos", "oauth2": "Ory Hydra"}


@dataclass(frozen=True)
class Tracing:
    tracer: Tracer | None
    close: Callable[[], None]


def _off() -> None:
    return None


def endpoint(server_url: str, insecure: bool) -> str:
    """The OTLP/HTTP traces URL: Ory gives ``host:port`` (Go's WithEndpoint); a full
    URL is taken as is, with ``/v1/traces`` added when it has no path."""
    if "://" not in server_url:
        scheme = "http" if insecure else "https"
        return f"{scheme}://{server_url.rstrip('/')}/v1/traces"
    head, sep, path = server_url.partition("://")
    if "/" not in path.rstrip("/"):
        return f"{head}{sep}{path.rstrip('/')}/v1/traces"
    return server_url


def from_config(block: dict[str, Any] | None, service: str) -> Tracing:
    """The tracer ``block`` asks for, or none (tracing off)."""
    provider = (block or {}).get("provider") or ""
    if not provider:
        return Tracing(None, _off)
    assert block is not None
    if provider != "otel":
        log.warning("%s: tracing provider %r is not implemented; tracing is off", service, provider)
        return Tracing(None, _off)
    otlp = (block.get("providers") or {}).get("otlp") or {}
    server_url = otlp.get("server_url")
    if not server_url:
        log.warning("%s: tracing.providers.otlp.server_url is not set; tracing is off", service)
        return Tracing(None, _off)
    auth = otlp.get("authorization_header")
    exporter = OTLPSpanExporter(
        endpoint=endpoint(server_url, bool(otlp.get("insecure"))),
        headers={"Authorization": auth} if auth else None,
        timeout=5,
    )
    ratio = float((otlp.get("sampling") or {}).get("sampling_ratio", 1.0))
    resource = Resource.create(
        {
            "service.name": block.get("service_name") or DEFAULT_NAMES.get(service, service),
            "deployment.environment": block.get("deployment_environment") or "",
        }
    )
    provider_ = TracerProvider(resource=resource, sampler=ParentBased(TraceIdRatioBased(ratio)))
    provider_.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=500))
    return Tracing(provider_.get_tracer(f"roost.{service}"), provider_.shutdown)
