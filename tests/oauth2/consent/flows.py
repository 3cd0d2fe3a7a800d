"""A browser and a login/consent app for code-flow tests, over real sockets.

The browser is httpx without redirect following, keeping cookies; the
login/consent app is the test itself, calling the admin API through Ory's
``ory-hydra-client``; the relying party is Authlib's OAuth2 session (requests).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.integrations.requests_client import OAuth2Session
from ory_hydra_client import ApiClient, Configuration
from ory_hydra_client.api.o_auth2_api import OAuth2Api
from ory_hydra_client.models import AcceptOAuth2ConsentRequest, AcceptOAuth2LoginRequest

from tests.oauth2.conftest import Hydra

REDIRECT = "http://127.0.0.1:5555/callback"


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@contextmanager
def admin_api(hydra: Hydra) -> Iterator[OAuth2Api]:
    with ApiClient(Configuration(host=hydra.admin)) as client:
        yield OAuth2Api(client)


@dataclass
class RP:
    """The relying party: a registered client driven through Authlib."""

    hydra: Hydra
    client: dict[str, Any]
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    def oauth(self, **kw: Any) -> OAuth2Session:
        return OAuth2Session(
            self.client["client_id"],
            self.client.get("client_secret"),
            scope=kw.pop("scope", "openid offline"),
            redirect_uri=REDIRECT,
            code_challenge_method=kw.pop("code_challenge_method", "S256"),
            token_endpoint_auth_method=self.client["token_endpoint_auth_method"],
            **kw,
        )

    def authorization_url(self, **params: Any) -> tuple[str, str]:
        url, state = self.oauth().create_authorization_url(
            f"{self.hydra.public}/oauth2/auth",
            code_verifier=self.verifier,
            nonce=self.nonce,
            **params,
        )
        return url, state

    def fetch_token(self, callback: str, state: str, verifier: str | None = None) -> dict[str, Any]:
        with self.oauth(state=state) as oauth:
            token: dict[str, Any] = oauth.fetch_token(
                f"{self.hydra.public}/oauth2/token",
                authorization_response=callback,
                code_verifier=verifier or self.verifier,
            )
        return token


def new_rp(hydra: Hydra, **body: Any) -> RP:
    client = hydra.create_client(
        **{
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "redirect_uris": [REDIRECT],
            "scope": "openid offline profile",
            **body,
        }
    )
    return RP(hydra, client)


class Browser:
    """A user agent: follows nothing by itself, keeps cookies for the public port."""

    def __init__(self, hydra: Hydra) -> None:
        self.hydra = hydra
        self.http = httpx.Client(follow_redirects=False, timeout=10)

    def get(self, url: str) -> httpx.Response:
        return self.http.get(url)

    def start(self, url: str) -> str:
        """Visit the authorization URL; the login challenge it redirects to."""
        response = self.get(url)
        assert response.status_code == 302, response.text
        return query(response.headers["location"])["login_challenge"]

    def login(self, api: OAuth2Api, challenge: str, subject: str = "alice", **kw: Any) -> str:
        """Accept the login; the consent challenge the user agent is sent to."""
        done = api.accept_o_auth2_login_request(
            challenge, AcceptOAuth2LoginRequest(subject=subject, **kw)
        )
        response = self.get(done.redirect_to)
        assert response.status_code == 302, response.text
        return query(response.headers["location"])["consent_challenge"]

    def consent(self, api: OAuth2Api, challenge: str, **kw: Any) -> str:
        """Accept the consent; the callback URL (with code) the client receives."""
        request = api.get_o_auth2_consent_request(challenge)
        body = {"grant_scope": request.requested_scope, **kw}
        done = api.accept_o_auth2_consent_request(challenge, AcceptOAuth2ConsentRequest(**body))
        response = self.get(done.redirect_to)
        assert response.status_code == 303, response.text
        return response.headers["location"]

    def close(self) -> None:
        self.http.close()


def code_flow(
    browser: Browser, api: OAuth2Api, rp: RP, consent: dict[str, Any] | None = None, **params: Any
) -> tuple[str, str]:
    """The whole browser part of the flow; the callback URL and the state."""
    url, state = rp.authorization_url(**params)
    consent_challenge = browser.login(api, browser.start(url))
    return browser.consent(api, consent_challenge, **(consent or {})), state


class Receiver:
    """A client's back-channel logout endpoint: records each POSTed form, answers from a script.

    ``statuses`` are the answers to the first requests in turn (then 200);
    ``delay`` seconds pass before each answer.
    """

    def __init__(self, statuses: tuple[int, ...] = (), delay: float = 0.0) -> None:
        self.forms: list[dict[str, str]] = []
        self.statuses = list(statuses)
        self.delay = delay
        self.got = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode()
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.forms.append({k: v[0] for k, v in parse_qs(body).items()})
                if status == 200:
                    receiver.got.set()
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/backchannel"

    def wait(self, timeout: float = 10) -> dict[str, str]:
        assert self.got.wait(timeout), f"no successful back-channel logout; got {self.forms}"
        return self.forms[-1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
