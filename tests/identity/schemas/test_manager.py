"""Schema loading (file, base64, bare paths), the ory.sh/kratos marks, validation texts."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import pytest

from roost.core.errors import ConfigError, NotFound
from roost.identity.config import PasswordPolicy, SchemaRef
from roost.identity.credentials.policy import check_password
from roost.identity.schemas.manager import default_schema, load_schemas

CUSTOMER = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "traits": {
            "type": "object",
            "properties": {
                "email": {
                    "type": "string",
                    "format": "email",
                    "ory.sh/kratos": {
                        "credentials": {"password": {"identifier": True}},
                        "verification": {"via": "email"},
                        "recovery": {"via": "email"},
                    },
                },
                "username": {
                    "type": "string",
                    "pattern": "^[a-z]+$",
                    "maxLength": 8,
                    "ory.sh/kratos": {"credentials": {"password": {"identifier": True}}},
                },
                "age": {"type": "integer"},
            },
            "required": ["email"],
        }
    },
}


def test_load_file_base64_and_default(tmp_path: Path) -> None:
    (tmp_path / "customer.json").write_text(json.dumps(CUSTOMER))
    encoded = base64.b64encode(json.dumps(CUSTOMER).encode()).decode()
    schemas = asyncio.run(
        load_schemas(
            (
                SchemaRef("customer", "file://customer.json"),
                SchemaRef("b64", f"base64://{encoded}"),
                SchemaRef("plain", str(tmp_path / "customer.json")),
            ),
            "customer",
            tmp_path,
            "http://kratos:4433",
        )
    )
    assert set(schemas.by_id) == {"customer", "b64", "plain"}
    assert schemas.url("customer") == "http://kratos:4433/schemas/Y3VzdG9tZXI"
    assert schemas.lookup("Y3VzdG9tZXI").id == "customer"
    assert schemas.marks_addresses
    with pytest.raises(NotFound):
        schemas.lookup("nope")
    s = schemas.get("customer")
    traits = {"email": " Max@Roach.COM ", "username": "max"}
    assert s.identifiers(traits) == ["max@roach.com", "max"]
    assert s.addresses(traits, "verification") == [("email", "max@roach.com")]
    default = asyncio.run(load_schemas((), "default", tmp_path, "http://x"))
    assert default.get("default").raw == default_schema() and not default.marks_addresses


def test_validation_messages(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(json.dumps(CUSTOMER))
    schemas = asyncio.run(load_schemas((SchemaRef("c", "c.json"),), "c", tmp_path, "http://x"))
    s = schemas.get("c")
    errors = dict(s.validate({"username": "ABCDEFGHIJ", "age": "x"}))
    assert errors["traits.email"]["id"] == 4000002
    assert errors["traits.email"]["context"] == {"property": "email"}
    assert errors["traits.age"]["id"] == 4000026
    assert errors["traits.username"]["id"] in (4000004, 4000017)
    assert s.validate({"email": "a@b.co"}) == []


@pytest.mark.parametrize(
    ("refs", "default"),
    [
        ((), "missing"),
        ((SchemaRef("x", "file:///does/not/exist.json"),), "x"),
        ((SchemaRef("x", "base64://!!!"),), "x"),
    ],
)
def test_bad_schema_config(tmp_path: Path, refs: tuple[SchemaRef, ...], default: str) -> None:
    with pytest.raises(ConfigError):
        asyncio.run(load_schemas(refs, default, tmp_path, "http://x"))


def test_breached_password_check_network_errors() -> None:
    offline = PasswordPolicy(haveibeenpwned=True, haveibeenpwned_host="http://127.0.0.1:9")
    assert asyncio.run(check_password(offline, "a-long-password", [], 72)) is None
    strict = PasswordPolicy(
        haveibeenpwned=True, haveibeenpwned_host="http://127.0.0.1:9", ignore_network_errors=False
    )
    msg = asyncio.run(check_password(strict, "a-long-password", [], 72))
    assert msg is not None and msg["id"] == 4000001


def test_load_over_http(tmp_path: Path) -> None:
    import http.server
    import threading

    body = json.dumps(CUSTOMER).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/s.json" else 404)
            self.end_headers()
            self.wfile.write(body if self.path == "/s.json" else b"")

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        schemas = asyncio.run(
            load_schemas((SchemaRef("web", f"{url}/s.json"),), "web", tmp_path, "http://x")
        )
        assert schemas.get("web").raw == CUSTOMER
        with pytest.raises(ConfigError):
            asyncio.run(load_schemas((SchemaRef("w", f"{url}/missing"),), "w", tmp_path, "x"))
    finally:
        httpd.shutdown()
        httpd.server_close()
