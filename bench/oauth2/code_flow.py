"""The complete authorization-code flow as a benchmark row: flows/s, p99 and CPU per flow.

Each of ``concurrency`` asyncio tasks runs flows back to back for the given
time, each flow as a new browser with its own cookies, over HTTP:

    GET /oauth2/auth (PKCE S256, state, nonce)  -> 302 to the login UI with a challenge
    PUT  /admin/oauth2/auth/requests/login/accept   (the login app)
    GET  the login verifier URL                  -> 302 to the consent UI
    PUT  /admin/oauth2/auth/requests/consent/accept (the consent app)
    GET  the consent verifier URL                -> 303 to the client with the code
    POST /oauth2/token (client_secret_basic, code_verifier)
    GET  /userinfo

The login and consent UIs are never visited (the challenge is read from the
redirect), so the figures are the server's. The load generator runs on the same
machine and takes CPU from it, the same for every server measured; it is
aiohttp (C-accelerated parsing), which costs a few ms per flow against about
25 ms with httpx, whose per-request cost also grew with the number of
concurrent browsers, so that with httpx the load generator rather than the
server set the flows/s. Its own CPU per flow is reported beside the server's
and the PostgreSQL cluster's, all read from ``/proc`` (the server's and the
cluster's) or ``time.process_time`` (the load generator's).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import httpx

CALLBACK = "http://127.0.0.1:9/cb"  # never visited
NAME = "code flow"


def prepare(admin: str) -> dict[str, Any]:
    """The client every flow uses."""
    response = httpx.post(
        f"{admin}/admin/clients",
        json={"grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
              "redirect_uris": [CALLBACK], "scope": "openid offline"},
    )  # fmt: skip
    response.raise_for_status()
    client: dict[str, Any] = response.json()
    return client


def _param(location: str, name: str) -> str:
    return parse_qs(urlsplit(location).query)[name][0]


class Browser:
    """One user agent's cookies, sent by hand (the shared session keeps none)."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def keep(self, response: aiohttp.ClientResponse) -> None:
        for name, morsel in response.cookies.items():
            self.cookies[name] = morsel.value


async def _call(
    http: aiohttp.ClientSession, method: str, url: str, **kw: Any
) -> tuple[aiohttp.ClientResponse, Any]:
    """One request, never following redirects; the JSON body when there is one."""
    async with http.request(method, url, allow_redirects=False, **kw) as response:
        raw = await response.read()
        kind = response.headers.get("content-type", "")
        return response, (json.loads(raw) if raw and "json" in kind else None)


async def one_flow(
    http: aiohttp.ClientSession, public: str, admin: str, client: dict[str, Any]
) -> bool:
    """One complete flow; False if any step answered unexpectedly."""
    browser = Browser()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {"client_id": client["client_id"], "response_type": "code", "redirect_uri": CALLBACK,
              "scope": "openid offline", "state": secrets.token_urlsafe(12),
              "nonce": secrets.token_urlsafe(12), "code_challenge_method": "S256",
              "code_challenge": challenge.rstrip(b"=").decode()}  # fmt: skip
    start, _ = await _call(http, "GET", f"{public}/oauth2/auth", params=params)
    browser.keep(start)
    if start.status != 302:
        return False
    login = _param(start.headers["location"], "login_challenge")
    accepted, body = await _call(http, "PUT", f"{admin}/admin/oauth2/auth/requests/login/accept",
                                 params={"login_challenge": login},
                                 json={"subject": "bench-user"})  # fmt: skip
    if accepted.status != 200:
        return False
    back, _ = await _call(http, "GET", body["redirect_to"], headers=browser.headers())
    browser.keep(back)
    if back.status != 302 or "consent_challenge" not in back.headers.get("location", ""):
        return False
    consent = _param(back.headers["location"], "consent_challenge")
    granted, body = await _call(http, "PUT", f"{admin}/admin/oauth2/auth/requests/consent/accept",
                                params={"consent_challenge": consent},
                                json={"grant_scope": ["openid", "offline"]})  # fmt: skip
    if granted.status != 200:
        return False
    done, _ = await _call(http, "GET", body["redirect_to"], headers=browser.headers())
    if done.status not in (302, 303) or not done.headers["location"].startswith(CALLBACK):
        return False
    token, body = await _call(
        http, "POST", f"{public}/oauth2/token",
        data={"grant_type": "authorization_code", "code": _param(done.headers["location"], "code"),
              "redirect_uri": CALLBACK, "code_verifier": verifier},
        auth=aiohttp.BasicAuth(client["client_id"], client["client_secret"]),
    )  # fmt: skip
    if token.status != 200 or "id_token" not in body:
        return False
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    info, body = await _call(http, "GET", f"{public}/userinfo", headers=bearer)
    return info.status == 200 and body.get("sub") == "bench-user"


async def _run(
    public: str, admin: str, client: dict[str, Any], seconds: float, concurrency: int
) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0
    connector = aiohttp.TCPConnector(limit=2 * concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    jar = aiohttp.DummyCookieJar()  # cookies go per browser
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=jar) as http:
        deadline = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal failures
            while time.monotonic() < deadline:
                began = time.monotonic()
                try:
                    ok = await one_flow(http, public, admin, client)
                except (aiohttp.ClientError, TimeoutError, KeyError, ValueError, TypeError):
                    ok = False
                if ok:
                    latencies.append(time.monotonic() - began)
                else:
                    failures += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, failures


def measure(
    public: str,
    admin: str,
    client: dict[str, Any],
    seconds: int,
    concurrency: int,
    cpu: Callable[[], tuple[float, float | None]],
) -> tuple[float, float, float, int, float, float | None, float]:
    """(flows/s, p50 ms, p99 ms, failed flows, CPU ms/flow of server, db and load generator)."""
    asyncio.run(_run(public, admin, client, 2, concurrency))  # warm-up
    before, own = cpu(), time.process_time()
    began = time.monotonic()
    latencies, failures = asyncio.run(_run(public, admin, client, seconds, concurrency))
    elapsed = time.monotonic() - began
    after, own = cpu(), time.process_time() - own
    done = max(1, len(latencies))
    latencies.sort()

    def pct(q: float) -> float:
        if not latencies:
            return 0.0
        return 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    db = None if after[1] is None or before[1] is None else 1000 * (after[1] - before[1]) / done
    return (len(latencies) / elapsed, pct(0.50), pct(0.99), failures,
            1000 * (after[0] - before[0]) / done, db, 1000 * own / done)  # fmt: skip
