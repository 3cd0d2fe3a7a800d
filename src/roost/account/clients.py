"""The two remote services the UI calls, as narrow Protocols with httpx implementations.

The identity client forwards the browser's ``Cookie`` header, as Kratos's
reference UI does: flows and sessions belong to the browser, not to the UI.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

JSON = {"Accept": "application/json"}


class RemoteError(Exception):
    """A remote API answered with an error: its status and Ory error body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _json(r: httpx.Response) -> dict[str, Any]:
    try:
        body = r.json()
    except ValueError:
        body = {}
    if r.status_code >= 400:
        raise RemoteError(r.status_code, body if isinstance(body, dict) else {})
    return body if isinstance(body, dict) else {"items": body}


class IdentityPublic(Protocol):
    async def flow(self, kind: str, flow_id: str, cookie: str) -> dict[str, Any]: ...
    async def error(self, error_id: str) -> dict[str, Any]: ...
    async def whoami(self, cookie: str) -> dict[str, Any] | None: ...
    async def logout_url(self, cookie: str, return_to: str) -> str | None: ...


class OAuth2Admin(Protocol):
    async def request(self, kind: str, challenge: str) -> dict[str, Any]: ...
    async def decide(
        self, kind: str, verdict: str, challenge: str, body: dict[str, Any]
    ) -> str: ...


class HttpIdentity:
    """Kratos's public API: flow getters, errors, whoami, browser logout."""

    def __init__(self, client: httpx.AsyncClient, base: str) -> None:
        self._c, self._base = client, base

    async def flow(self, kind: str, flow_id: str, cookie: str) -> dict[str, Any]:
        r = await self._c.get(
            f"{self._base}/self-service/{kind}/flows",
            params={"id": flow_id},
            headers={**JSON, "Cookie": cookie},
        )
        return _json(r)

    async def error(self, error_id: str) -> dict[str, Any]:
        r = await self._c.get(f"{self._base}/self-service/errors", params={"id": error_id})
        return _json(r)

    async def whoami(self, cookie: str) -> dict[str, Any] | None:
        if not cookie:
            return None
        r = await self._c.get(f"{self._base}/sessions/whoami", headers={**JSON, "Cookie": cookie})
        return r.json() if r.status_code == 200 else None

    async def logout_url(self, cookie: str, return_to: str) -> str | None:
        r = await self._c.get(
            f"{self._base}/self-service/logout/browser",
            params={"return_to": return_to} if return_to else None,
            headers={**JSON, "Cookie": cookie},
        )
        if r.status_code != 200:
            return None
        url = r.json().get("logout_url")
        return url if isinstance(url, str) else None


class HttpOAuth2Admin:
    """Hydra's admin login/consent/logout request API."""

    def __init__(self, client: httpx.AsyncClient, base: str) -> None:
        self._c, self._base = client, base

    async def request(self, kind: str, challenge: str) -> dict[str, Any]:
        r = await self._c.get(
            f"{self._base}/admin/oauth2/auth/requests/{kind}",
            params={f"{kind}_challenge": challenge},
        )
        return _json(r)

    async def decide(self, kind: str, verdict: str, challenge: str, body: dict[str, Any]) -> str:
        """Accept or reject; returns where Hydra sends the browser next."""
        r = await self._c.put(
            f"{self._base}/admin/oauth2/auth/requests/{kind}/{verdict}",
            params={f"{kind}_challenge": challenge},
            json=body,
        )
        return str(_json(r)["redirect_to"])
