"""``roost oauth2 perform authorization-code``: Hydra's CLI flow with a local callback server.

As ``hydra perform authorization-code`` does, it serves ``http://127.0.0.1:PORT/``
(4446 by default), whose home route sends the browser to the authorization
endpoint with a fresh ``state`` and ``nonce``, and listens on ``/callback``
(GET, or POST for ``--response-mode form_post``). The callback checks
``state`` in constant time, exchanges the code at the token endpoint and
prints the tokens like ``perform client-credentials``. Beyond Hydra's CLI it
sends PKCE (S256), so it works against servers that enforce it; without
``--client-secret`` it authenticates as a public client (``none``).

It stops after the first callback, success or error (``--no-shutdown`` keeps
serving with a new state and nonce per round, as Hydra's). Progress goes to
stderr; only the tokens go to stdout.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import webbrowser
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import click
import httpx

from roost.oauth2.cli.commands import perform, token_rows
from roost.oauth2.cli.remote import emit, endpoint_option, error_text, format_option


@dataclass
class Flow:
    """One round of the flow: its parameters, and what the callback got."""

    client_id: str
    client_secret: str
    auth_url: str
    token_url: str
    redirect: str
    params: dict[str, str]
    state: str = ""
    verifier: str = ""
    result: dict[str, Any] | None = None
    error: str = ""
    done: threading.Event = field(default_factory=threading.Event)

    def start_url(self) -> str:
        """A fresh authorization URL (new state, nonce and PKCE verifier each time)."""
        self.state = self.params.get("state") or secrets.token_urlsafe(18)
        self.verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        query = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": self.redirect,
            **{k: v for k, v in self.params.items() if k != "state"},
            "state": self.state,
            "nonce": secrets.token_urlsafe(18),
            "code_challenge": base64.urlsafe_b64encode(digest).rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        sep = "&" if "?" in self.auth_url else "?"
        return f"{self.auth_url}{sep}{urlencode(query)}"

    def callback(self, got: dict[str, str]) -> None:
        """Check the callback and redeem its code; sets ``result`` or ``error``."""
        self.result, self.error = None, ""
        if got.get("error"):
            self.error = f"Got error: {got.get('error_description') or got['error']}"
        elif not hmac.compare_digest(got.get("state", "").encode(), self.state.encode()):
            self.error = "States do not match."
        else:
            self._exchange(got.get("code", ""))

    def _exchange(self, code: str) -> None:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect,
                "code_verifier": self.verifier}  # fmt: skip
        auth = (self.client_id, self.client_secret) if self.client_secret else None
        if auth is None:
            form["client_id"] = self.client_id
        try:
            response = httpx.post(self.token_url, data=form, auth=auth, timeout=30)
        except httpx.HTTPError as exc:
            self.error = f"Unable to exchange code for token: {type(exc).__name__}"
            return
        if response.status_code != 200:
            self.error = f"Unable to exchange code for token: {error_text(response)}"
            return
        self.result = response.json()


def _page(title: str, body: str) -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>{escape(title)}</title></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    ).encode()


def _handler(flow: Flow, callback_path: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/":
                self.send_response(302)
                self.send_header("Location", flow.start_url())
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif parts.path == callback_path:
                self._finish(dict(parse_qsl(parts.query)))
            else:
                self._answer(404, _page("Not found", ""))

        def do_POST(self) -> None:  # response_mode=form_post
            if urlsplit(self.path).path != callback_path:
                self._answer(404, _page("Not found", ""))
                return
            length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
            self._finish(dict(parse_qsl(self.rfile.read(length).decode("utf-8", "replace"))))

        def _finish(self, got: dict[str, str]) -> None:
            flow.callback(got)
            if flow.error:
                self._answer(500, _page("An error occurred", f"<p>{escape(flow.error)}</p>"))
            else:
                self._answer(200, _page("Success", "<p>The tokens are printed on the console.</p>"))
            flow.done.set()  # only once the browser has its answer

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def _split(values: tuple[str, ...]) -> list[str]:
    return [p for v in values for p in v.replace(",", " ").split() if p]


@perform.command("authorization-code")
@click.option("--client-id", envvar="OAUTH2_CLIENT_ID", required=True)
@click.option("--client-secret", envvar="OAUTH2_CLIENT_SECRET", default="")
@click.option("--port", "-p", default=4446, show_default=True, type=click.IntRange(0, 65535))
@click.option("--scope", multiple=True, default=("offline", "openid"), show_default=True)
@click.option("--audience", multiple=True)
@click.option("--prompt", multiple=True)
@click.option("--max-age", default=-1, show_default=True, help="-1: no max_age parameter.")
@click.option("--redirect", default="", help="Force a redirect URL.")
@click.option("--auth-url", default="", help="Force the authorization URL.")
@click.option("--token-url", default="", help="Force the token URL.")
@click.option("--state", default="", help="Force a state value (insecure).")
@click.option("--response-mode", type=click.Choice(["", "query", "form_post"]), default="")
@click.option("--no-open", is_flag=True, help="Do not open the browser window automatically.")
@click.option("--no-shutdown", is_flag=True, help="Keep serving after a callback.")
@endpoint_option
@format_option
def perform_authorization_code(**o: Any) -> None:
    """Get tokens with the authorization code grant, as a browser-facing client."""
    base = f"http://127.0.0.1:{o['port']}/"
    params: dict[str, str] = {"scope": " ".join(_split(o["scope"]))}
    for key, value in (("audience", " ".join(_split(o["audience"]))),
                       ("prompt", " ".join(_split(o["prompt"]))),
                       ("max_age", str(o["max_age"]) if o["max_age"] >= 0 else ""),
                       ("response_mode", o["response_mode"]), ("state", o["state"])):  # fmt: skip
        if value:
            params[key] = value
    public = o["endpoint"].rstrip("/")
    flow = Flow(o["client_id"], o["client_secret"], o["auth_url"] or f"{public}/oauth2/auth",
                o["token_url"] or f"{public}/oauth2/token", o["redirect"] or f"{base}callback",
                params)  # fmt: skip
    try:
        server = ThreadingHTTPServer(("127.0.0.1", o["port"]), _handler(flow, "/callback"))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{o['port']}: {exc}") from exc
    threading.Thread(target=server.serve_forever, daemon=True).start()
    click.echo(f"Setting up home route on {base}", err=True)
    click.echo(f"Setting up callback listener on {base}callback", err=True)
    click.echo("Press ctrl + c to end the process.", err=True)
    click.echo(f"If your browser does not open automatically, navigate to:\n\n\t{base}\n", err=True)
    if not o["no_open"]:
        webbrowser.open(base)
    try:
        _serve(flow, o["fmt"], keep=o["no_shutdown"])
    finally:
        server.shutdown()
        server.server_close()


def _serve(flow: Flow, fmt: str, *, keep: bool) -> None:
    while True:
        flow.done.wait()
        flow.done.clear()
        if flow.result is not None:
            emit(fmt, flow.result, token_rows(flow.result))
        else:
            click.echo(flow.error, err=True)
        if not keep:
            if flow.error:
                raise SystemExit(1)
            return
