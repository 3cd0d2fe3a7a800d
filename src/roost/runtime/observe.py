"""What every request leaves behind: an id, a metric, a log line and a span.

One ASGI middleware wraps each port's app (:func:`roost.runtime.module.start`),
so the three services are observed alike:

- **request id**: the caller's ``X-Request-Id`` when it is a plain token (a
  load balancer's or a proxy's), else a new random one; echoed in the
  response and stamped on every log record written while the request runs;
- **metrics**: ``roost_http_requests_total`` and the latency histogram
  ``roost_http_request_duration_seconds`` per port, method, route template
  and status, in the service's own Prometheus registry. Labelled with the
  worker's pid: each worker counts its own, a scrape reaches one of them, and
  ``sum without (worker)`` adds them up (decision 0028);
- **access log**: one ``info`` record per request (method, route template,
  status, milliseconds, request id) — never the path's ids or the query;
- **tracing**: a server span per request when ``tracing`` is configured,
  joined to the caller's W3C ``traceparent``.

The route template (``/admin/identities/{id}``), never the raw path, names
series and spans: ids in paths would make unbounded label sets.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from opentelemetry.propagators.textmap import DefaultGetter
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from roost.core.logs import REQUEST_ID

log = logging.getLogger("roost.access")

_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_UNMATCHED = "unmatched"
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_PROPAGATOR = TraceContextTextMapPropagator()
_GETTER: DefaultGetter = DefaultGetter()


class HttpMetrics:
    """The request counter and latency histogram of one service, one worker."""

    def __init__(self, registry: CollectorRegistry, service: str) -> None:
        labels = ("service", "port", "method", "route", "code", "worker")
        self.requests = Counter(
            "roost_http_requests", "HTTP requests answered", labels, registry=registry
        )
        self.latency = Histogram(
            "roost_http_request_duration_seconds",
            "Time from request to the end of the response",
            labels,
            buckets=BUCKETS,
            registry=registry,
        )
        self.service = service
        self.worker = str(os.getpid())
        self._series: dict[tuple[str, str, str, int], tuple[Any, Any]] = {}

    def observe(self, port: str, method: str, route: str, code: int, seconds: float) -> None:
        key = (port, method, route, code)
        series = self._series.get(key)
        if series is None:
            values = (self.service, port, method, route, str(code), self.worker)
            series = (self.requests.labels(*values), self.latency.labels(*values))
            self._series[key] = series
        series[0].inc()
        series[1].observe(seconds)


class RequestIds:
    """New ids: a random 64-bit prefix per worker and a counter, so minting one
    costs no system call and ids never repeat across workers or replicas."""

    def __init__(self) -> None:
        self.prefix = os.urandom(8).hex()
        self.count = itertools.count(1)

    def of(self, headers: list[tuple[bytes, bytes]]) -> str:
        """The caller's ``X-Request-Id`` when it is a plain token, else a new one."""
        for name, value in headers:
            if name == b"x-request-id":
                text = value.decode("latin-1")
                if _ID.fullmatch(text):
                    return text
                break
        return f"{self.prefix}{next(self.count):016x}"


def _carrier(headers: list[tuple[bytes, bytes]]) -> dict[str, list[str]]:
    wanted = (b"traceparent", b"tracestate")
    return {n.decode(): [v.decode("latin-1")] for n, v in headers if n in wanted}


class Observer:
    """ASGI middleware around one port's app; see the module docstring."""

    def __init__(
        self, app: ASGIApp, *, port: str, metrics: HttpMetrics, tracer: Tracer | None
    ) -> None:
        self.app = app
        self.port = port
        self.metrics = metrics
        self.tracer = tracer
        self.ids = RequestIds()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        rid = self.ids.of(headers)
        token = REQUEST_ID.set(rid)
        status = 500
        header = (b"x-request-id", rid.encode())

        async def tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        began = time.perf_counter()
        span = self._span(scope, headers)
        try:
            with span as current:
                try:
                    await self.app(scope, receive, tagged)
                finally:
                    if current is not None:
                        self._finish_span(current, scope, status)
        finally:
            self._record(scope, status, time.perf_counter() - began, rid)
            REQUEST_ID.reset(token)

    def _span(
        self, scope: Scope, headers: list[tuple[bytes, bytes]]
    ) -> AbstractContextManager[Any]:
        if self.tracer is None:
            return nullcontext()
        parent = _PROPAGATOR.extract(_carrier(headers), getter=_GETTER)
        return self.tracer.start_as_current_span(
            scope["method"],
            context=parent,
            kind=SpanKind.SERVER,
            record_exception=False,  # exception messages may quote input (decision 0018)
            set_status_on_exception=False,
        )

    def _finish_span(self, span: Any, scope: Scope, status: int) -> None:
        route = _route(scope)
        span.update_name(f"{scope['method']} {route}")
        span.set_attributes(
            {
                "http.request.method": scope["method"],
                "http.route": route,
                "http.response.status_code": status,
                "url.scheme": scope.get("scheme", "http"),
                "roost.port": self.port,
            }
        )
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))

    def _record(self, scope: Scope, status: int, seconds: float, rid: str) -> None:
        route = _route(scope)
        self.metrics.observe(self.port, scope["method"], route, status, seconds)
        if log.isEnabledFor(logging.INFO):
            fields = {
                "http_request": {"method": scope["method"], "route": route, "port": self.port},
                "http_response": {"status": status, "took_ms": round(seconds * 1000, 3)},
            }
            log.info(
                "%s %s %d %.1fms",
                scope["method"],
                route,
                status,
                seconds * 1000,
                extra={"fields": fields},
            )


def _route(scope: Scope) -> str:
    """The matched route's template; ``unmatched`` for 404s and Starlette's own answers."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else _UNMATCHED


def wrap(
    apps: dict[str, ASGIApp], metrics: HttpMetrics, tracer: Tracer | None
) -> dict[str, ASGIApp]:
    """Every port app of a service behind its own :class:`Observer`."""
    return {
        port: Observer(app, port=port, metrics=metrics, tracer=tracer) for port, app in apps.items()
    }
