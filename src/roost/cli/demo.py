"""``python -m roost.cli.demo``: the demo client of ``scripts/dev.sh`` and its sign-in URL.

Waits for ``roost serve`` (no config: the wiring of ``roost.cli.wiring``),
creates the confidential client ``roost-demo`` through the OAuth2 admin API
unless it exists (so restarts keep it), and prints an authorization URL that
walks the whole sign-in: the account pages, consent, and back to the account
UI's ``/callback`` landing page.
"""

from __future__ import annotations

import secrets
import sys
import time

import httpx

from roost.cli.wiring import SignInUrls

CLIENT_ID = "roost-demo"


def _wait(urls: SignInUrls, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    ready = [f"{urls.oauth2_admin}/health/ready", f"{urls.account}/health/ready"]
    while time.monotonic() < deadline:
        try:
            if all(httpx.get(u, timeout=1).status_code == 200 for u in ready):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("roost serve did not become ready")


def ensure_client(urls: SignInUrls) -> None:
    """Create the demo client once; an existing one is left as it is."""
    admin = f"{urls.oauth2_admin}/admin/clients"
    if httpx.get(f"{admin}/{CLIENT_ID}", timeout=10).status_code == 200:
        return
    r = httpx.post(
        admin,
        json={
            "client_id": CLIENT_ID,
            "client_name": "Roost demo app",
            "client_secret": secrets.token_urlsafe(24),  # nobody redeems the code
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": "openid offline_access email",
            "redirect_uris": [f"{urls.account}/callback"],
            "post_logout_redirect_uris": [f"{urls.account}/"],
        },
        timeout=10,
    )
    if r.status_code != 201:
        raise SystemExit(f"could not create the demo client: {r.status_code}")


def sign_in_url(urls: SignInUrls) -> str:
    query = httpx.QueryParams(
        client_id=CLIENT_ID,
        response_type="code",
        scope="openid offline_access email",
        redirect_uri=f"{urls.account}/callback",
        state=secrets.token_urlsafe(12),
    )
    return f"{urls.oauth2_public}/oauth2/auth?{query}"


def main() -> None:
    urls = SignInUrls()
    _wait(urls)
    ensure_client(urls)
    print(f"\nSign in with Roost: {sign_in_url(urls)}\n", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
