"""Request ids, per-route metrics, JSON access logs and OTLP spans, on a real server.

The trace receiver is a real OTLP/HTTP endpoint (a threaded HTTP server in the
test) decoding what the exporter sends with OpenTelemetry's own protobuf
messages; the server is a real ``roost serve permissions`` process.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from roost.runtime.tracing import endpoint
from tests.support.server import Server, start_server

SECRET = "subject-who-must-not-leak"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


class Receiver(ThreadingHTTPServer):
    """An OTLP/HTTP trace endpoint keeping every request body it got."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.authorization: list[str | None] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    def spans(self) -> list[tuple[str, object]]:
        out = []
        for body in self.bodies:
            req = ExportTraceServiceRequest.FromString(body)
            for rs in req.resource_spans:
                service = {a.key: a.value.string_value for a in rs.resource.attributes}
                for ss in rs.scope_spans:
                    out.extend((service["service.name"], span) for span in ss.spans)
        return out


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.bodies.append(body)
        self.server.authorization.append(self.headers.get("Authorization"))
        self.send_response(200 if self.path == "/v1/traces" else 404)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory, receiver: Receiver) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("traced")
    config = {
        "dsn": f"sqlite:///{work}/keto.sqlite",
        "namespaces": [{"id": 1, "name": "doc"}],
        "log": {"level": "info", "format": "json"},
        "tracing": {
            "provider": "otel",
            "service_name": "keto-under-test",
            "providers": {
                "otlp": {
                    "server_url": f"127.0.0.1:{receiver.server_address[1]}",
                    "insecure": True,
                    "authorization_header": "Bearer collector-token",
                    "sampling": {"sampling_ratio": 1.0},
                }
            },
        },
    }
    server = start_server(work, config)
    yield server
    server.stop()


def _check(server: Server, **headers: str) -> httpx.Response:
    return httpx.get(
        f"{server.urls['read']}/relation-tuples/check/openapi",
        params={"namespace": "doc", "object": "d1", "relation": "view", "subject_id": SECRET},
        headers=headers,
    )


def test_request_ids_are_echoed_or_made(traced: Server) -> None:
    assert (
        _check(traced, **{"X-Request-Id": "lb-req.42:a"}).headers["x-request-id"] == "lb-req.42:a"
    )
    made = _check(traced, **{"X-Request-Id": "not a token;" + "x" * 200}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)  # 16 random hex digits and a counter
    assert _check(traced).headers["x-request-id"] != made


def test_spans_join_the_callers_trace_and_carry_no_query(
    traced: Server, receiver: Receiver
) -> None:
    parent = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
    assert _check(traced, traceparent=parent).status_code == 200
    deadline = time.monotonic() + 15
    mine: list[object] = []
    while time.monotonic() < deadline and not mine:
        mine = [s for _, s in receiver.spans() if s.trace_id.hex() == TRACE_ID]  # type: ignore[attr-defined]
        time.sleep(0.2)
    assert mine, "no span with the caller's trace id reached the collector"
    (span,) = mine
    attrs = {a.key: a.value for a in span.attributes}  # type: ignore[attr-defined]
    assert span.name == "GET /relation-tuples/check/openapi"  # type: ignore[attr-defined]
    assert span.parent_span_id.hex() == "00f067aa0ba902b7"  # type: ignore[attr-defined]
    assert attrs["http.route"].string_value == "/relation-tuples/check/openapi"
    assert attrs["http.response.status_code"].int_value == 200
    assert {name for name, _ in receiver.spans()} == {"keto-under-test"}
    assert set(receiver.authorization) == {"Bearer collector-token"}
    assert all(SECRET.encode() not in body for body in receiver.bodies)


def test_metrics_count_requests_per_route_and_status(traced: Server) -> None:
    for _ in range(3):
        _check(traced)
    httpx.get(f"{traced.urls['read']}/no/such/route")
    text = httpx.get(f"{traced.urls['read']}/metrics/prometheus").text
    counts = {
        m.group(1): float(m.group(2))
        for m in re.finditer(r"^roost_http_requests_total\{(.*)\} (\S+)$", text, re.M)
    }
    check = [
        v
        for k, v in counts.items()
        if 'route="/relation-tuples/check/openapi"' in k and 'code="200"' in k
    ]
    assert check and check[0] >= 3
    assert [k for k in counts if 'route="unmatched"' in k and 'code="404"' in k]
    buckets = [
        line
        for line in text.splitlines()
        if line.startswith("roost_http_request_duration_seconds_bucket{")
        and 'route="/relation-tuples/check/openapi"' in line
        and 'le="+Inf"' in line
    ]
    assert buckets and float(buckets[0].rsplit(" ", 1)[1]) >= 3
    assert "roost_permissions_check_cache_hits_total" in text
    assert "roost_sql_retries_total 0" in text
    assert SECRET not in text


def test_json_log_lines_carry_the_request_id_and_no_query(traced: Server) -> None:
    _check(traced, **{"X-Request-Id": "find-me-in-the-log"})
    deadline = time.monotonic() + 5
    lines: list[dict[str, object]] = []
    while time.monotonic() < deadline and not lines:
        text = Path(traced.log).read_text()
        lines = [
            json.loads(line)
            for line in text.splitlines()
            if line.startswith("{") and "find-me-in-the-log" in line
        ]
        time.sleep(0.1)
    (line,) = lines
    assert line["level"] == "info" and line["logger"] == "roost.access"
    assert line["http_request"] == {
        "method": "GET",
        "route": "/relation-tuples/check/openapi",
        "port": "read",
    }
    assert line["http_response"]["status"] == 200  # type: ignore[index]
    assert SECRET not in Path(traced.log).read_text()


def test_unshipped_providers_load_with_a_warning(tmp_path: Path) -> None:
    config = {
        "dsn": f"sqlite:///{tmp_path}/keto.sqlite",
        "namespaces": [{"id": 1, "name": "doc"}],
        "tracing": {
            "provider": "jaeger",
            "providers": {"jaeger": {"local_agent_address": "x:6831"}},
        },
    }
    server = start_server(tmp_path, config)
    try:
        assert _check(server).status_code == 200
    finally:
        server.stop()
    assert "tracing provider 'jaeger' is not implemented; tracing is off" in server.log.read_text()


@pytest.mark.parametrize(
    ("given", "insecure", "url"),
    [
        ("collector:4318", True, "http://collector:4318/v1/traces"),
        ("collector:4318", False, "https://collector:4318/v1/traces"),
        ("https://otel.example", False, "https://otel.example/v1/traces"),
        ("http://otel.example:4318/custom/traces", True, "http://otel.example:4318/custom/traces"),
    ],
)
def test_otlp_endpoint_as_ory_reads_server_url(given: str, insecure: bool, url: str) -> None:
    assert endpoint(given, insecure) == url
