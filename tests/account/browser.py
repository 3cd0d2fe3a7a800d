"""Headless Debian Chromium through Playwright, and the relying party the browser signs in to.

The browser is the system's ``/usr/bin/chromium`` (never a downloaded one). Without it
or Playwright the browser tests skip with one line, except under ``CI=true``, where
they are required and fail instead.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from authlib.integrations.requests_client import OAuth2Session

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "account"
"""Screenshots of every page (git-ignored)."""


def need_browser() -> None:
    """Skip (or, under CI, fail) when Chromium or Playwright is missing."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright (pip install -e '.[test]')")
    if missing:
        line = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(line)
        pytest.skip(line)


@dataclass
class Shots:
    """Numbered full-page screenshots, one per page visited."""

    folder: Path = ARTEFACTS
    count: int = 0
    names: list[str] = field(default_factory=list)

    def take(self, page: Any, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)
        self.names.append(name)


@dataclass
class RP:
    """A confidential OIDC client on Authlib: code flow with PKCE (S256)."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    verifier: str = ""
    state: str = ""
    nonce: str = ""

    def session(self) -> OAuth2Session:
        return OAuth2Session(
            self.client_id,
            self.client_secret,
            scope="openid offline_access email",
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
        )

    def authorization_url(self) -> str:
        self.verifier = secrets.token_urlsafe(48)
        self.nonce = secrets.token_urlsafe(16)
        url, self.state = self.session().create_authorization_url(
            f"{self.issuer}/oauth2/auth", code_verifier=self.verifier, nonce=self.nonce
        )
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest())
        assert challenge.rstrip(b"=").decode() in url  # Authlib sent the S256 challenge
        return str(url)

    def tokens(self, callback: str) -> dict[str, Any]:
        got = parse_qs(urlsplit(callback).query)
        assert got.get("state") == [self.state], callback
        with self.session() as s:
            token: dict[str, Any] = dict(
                s.fetch_token(
                    f"{self.issuer}/oauth2/token",
                    authorization_response=callback,
                    code_verifier=self.verifier,
                )
            )
        return token

    def verify(self, id_token: str) -> dict[str, Any]:
        """The ID token's claims, its signature checked against the issuer's JWKS."""
        keys = jwt.PyJWKClient(f"{self.issuer}/.well-known/jwks.json")
        claims: dict[str, Any] = jwt.decode(
            id_token,
            keys.get_signing_key_from_jwt(id_token).key,
            algorithms=["RS256", "ES256"],
            audience=self.client_id,
            issuer=self.issuer,
        )
        assert claims["nonce"] == self.nonce
        return claims

    def userinfo(self, access_token: str) -> dict[str, Any]:
        r = httpx.get(
            f"{self.issuer}/userinfo", headers={"Authorization": f"Bearer {access_token}"}
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        with self.session() as s:
            token: dict[str, Any] = dict(
                s.refresh_token(f"{self.issuer}/oauth2/token", refresh_token=refresh_token)
            )
        return token
