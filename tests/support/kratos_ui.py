"""A minimal self-service UI, as Kratos's reference UI does it, for browser tests.

``GET /<kind>?flow=<id>`` fetches the flow from Kratos's public getter with
the browser's cookies forwarded (as kratos-selfservice-ui-node does) and
renders it as an HTML form; ``GET /error?id=`` renders the stored error;
``GET /hydra-login?login_challenge=`` (Hydra's ``urls.login``) sends the
browser on to Kratos's browser login with the challenge; every other path
is a landing page naming itself. :class:`Page` reads such a page back into
the action and fields a browser would submit, so a test posts exactly what
a user's browser would.
"""

from __future__ import annotations

import html
import json
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.support.server import free_port

KINDS = ("login", "registration", "settings", "recovery", "verification")


def _render_form(flow: dict[str, Any]) -> str:
    ui = flow["ui"]
    fields = []
    for node in ui["nodes"]:
        a = node["attributes"]
        if node["type"] != "input":
            continue
        value = html.escape(str(a.get("value", "")), quote=True)
        fields.append(
            f'<input name="{html.escape(a["name"])}" type="{a["type"]}" value="{value}" '
            f'data-group="{node["group"]}">'
        )
    messages = json.dumps(
        [m for m in ui.get("messages", [])] + [m for n in ui["nodes"] for m in n["messages"]]
    )
    return (
        f'<html><body><pre id="messages">{html.escape(messages)}'
        f'</pre><form id="flow" data-flow="{flow["id"]}" data-state="{flow.get("state")}" '
        f'action="{html.escape(ui["action"])}" method="POST">{"".join(fields)}</form></body></html>'
    )


class _Handler(BaseHTTPRequestHandler):
    server: UIServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        kind = url.path.strip("/")
        headers = {"Cookie": self.headers.get("Cookie", ""), "Accept": "application/json"}
        if kind in KINDS and "flow" in query:
            r = httpx.get(
                f"{self.server.kratos}/self-service/{kind}/flows",
                params={"id": query["flow"][0]},
                headers=headers,
            )
            if r.status_code != 200:
                self._send(r.status_code, f"<pre id='error'>{html.escape(r.text)}</pre>")
                return
            self._send(200, _render_form(r.json()))
            return
        if kind == "hydra-login" and "login_challenge" in query:
            # Hydra's urls.login: the UI hands the challenge to Kratos's browser login
            self.send_response(303)
            target = f"{self.server.kratos}/self-service/login/browser?{url.query}"
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if kind == "error" and "id" in query:
            r = httpx.get(
                f"{self.server.kratos}/self-service/errors", params={"id": query["id"][0]}
            )
            self._send(200, f"<pre id='error'>{html.escape(r.text)}</pre>")
            return
        self._send(200, f"<h1 id='landing'>{html.escape(self.path)}</h1>")


class UIServer(ThreadingHTTPServer):
    kratos = ""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", free_port()), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def config(self) -> dict[str, Any]:
        """Kratos config pointing every UI URL and the return URLs at this server."""
        flows: dict[str, Any] = {k: {"ui_url": f"{self.url}/{k}"} for k in KINDS}
        flows["error"] = {"ui_url": f"{self.url}/error"}
        return {
            "default_browser_return_url": f"{self.url}/welcome",
            "allowed_return_urls": [f"{self.url}/app/"],
            "flows": flows,
        }

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: list[tuple[str, str, str, str]] = []
        self.flow_id = ""
        self.state = ""
        self.texts: dict[str, str] = {}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action, self.flow_id, self.state = a["action"], a["data-flow"], a["data-state"]
        elif tag == "input":
            self.fields.append((a["name"], a["type"], a["value"], a["data-group"]))
        elif a.get("id") in ("messages", "error", "landing"):
            self._in = a["id"]

    def handle_data(self, data: str) -> None:
        if self._in:
            self.texts[self._in] = self.texts.get(self._in, "") + data

    def handle_endtag(self, tag: str) -> None:
        self._in = None


class Page:
    """What a browser shows: a flow's form, an error, or a landing page."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        p = _FormParser()
        p.feed(response.text)
        self.action, self.flow_id, self.state = p.action, p.flow_id, p.state
        self.fields = p.fields
        self.messages: list[dict[str, Any]] = json.loads(p.texts.get("messages", "[]"))
        self.error: dict[str, Any] | None = (
            json.loads(p.texts["error"]) if "error" in p.texts else None
        )
        self.landing = p.texts.get("landing")

    def form(self, method: str, **values: str) -> dict[str, str]:
        """The fields a browser submits when the user clicks the ``method`` button: hidden
        and typed inputs (overridden by ``values``) and that one submit button."""
        out: dict[str, str] = {}
        for name, kind, value, _group in self.fields:
            if kind == "submit":
                continue
            out[name] = value
        out.update(values)
        out["method"] = method
        return out
