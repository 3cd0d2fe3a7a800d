"""A real HTTP receiver for web hooks: records every call and answers by rule.

Runs ``http.server`` on a free loopback port in a thread. The answer comes
from the request's path and the e-mail address the body names, so one
receiver serves every hook of a test server: ``deny…`` addresses get
Kratos's ``{"messages": [...]}`` 400, ``slow…`` ones wait past the hook's
timeout, ``/parse`` returns an identity patch.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DENIAL = {
    "messages": [
        {
            "instance_ptr": "#/traits/email",
            "messages": [
                {"id": 1234, "text": "this address is on the block list", "type": "error"}
            ],
        },
        {"instance_ptr": "#/", "messages": [{"id": 4321, "text": "ask support", "type": "info"}]},
    ]
}


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    calls: list[Call] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    def wait_for(self, path: str, count: int = 1, seconds: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + seconds
        while len(self.to(path)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.to(path)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _address(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    found = body.get("email") or (body.get("identity") or {}).get("traits", {}).get("email")
    return str(found or "")


def start_receiver() -> Receiver:
    calls: list[Call] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.loads(raw) if raw else None
            calls.append(Call(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            address = _address(body)
            if address.startswith("slow") and self.path == "/reg-done":
                time.sleep(3)
            if address.startswith("deny") or address.startswith("blocked"):
                self._answer(400, DENIAL)
            elif address.startswith("broken"):
                self._answer(500, {"oops": True})
            elif self.path == "/parse":
                patch = {"metadata_public": {"plan": "gold"}, "metadata_admin": {"crm": 7}}
                if address.startswith("rename"):
                    patch["traits"] = {"email": "renamed-" + address}
                self._answer(200, {"identity": patch})
            else:
                self._answer(200, {})

        def _answer(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Receiver(server, calls)
