"""The OAuth2 provider's admin API over HTTP (``oauth2_provider.url``: Hydra, or roost.oauth2).

Implements :class:`roost.identity.selfservice.oauth2_login.OAuth2Provider`
with one pooled httpx client built at start-up. Hydra's refusals become
Kratos's errors (404 and 410 kept, others 502); the challenge travels only
as a query parameter and is never logged.
"""

from __future__ import annotations

from typing import Any

import httpx

from roost.identity.errors import KratosError
from roost.identity.sessions.model import Session

_PATH = "/admin/oauth2/auth/requests/login"


class HydraAdmin:
    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        remember: bool,
        remember_for: int,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url
        self.remember = remember
        self.remember_for = remember_for
        self.client = client or httpx.AsyncClient(headers=headers, timeout=10)

    def _refused(self, what: str, response: httpx.Response | None) -> KratosError:
        status = response.status_code if response is not None else 502
        return KratosError(
            status if status in (404, 409, 410) else 502,
            None,
            f"Unable to {what} OAuth 2.0 Login Challenge.",
            message="The OAuth2 provider refused the request",
            details={"status_code": status},
        )

    async def login_request(self, challenge: str) -> dict[str, Any]:
        try:
            r = await self.client.get(self.url + _PATH, params={"login_challenge": challenge})
        except httpx.HTTPError:
            raise self._refused("get", None) from None
        if r.status_code != 200:
            raise self._refused("get", r)
        body: dict[str, Any] = r.json()
        return body

    async def accept_login(
        self, challenge: str, session: Session, remember: bool | None = None
    ) -> str:
        body = {
            "subject": str(session.identity_id),
            "identity_provider_session_id": str(session.id),
            "remember": self.remember if remember is None else remember,
            "remember_for": self.remember_for,
            "amr": [m.get("method") for m in session.authentication_methods],
        }
        try:
            r = await self.client.put(
                self.url + _PATH + "/accept", params={"login_challenge": challenge}, json=body
            )
        except httpx.HTTPError:
            raise self._refused("accept", None) from None
        if r.status_code != 200:
            raise self._refused("accept", r)
        redirect: str = r.json()["redirect_to"]
        return redirect

    async def close(self) -> None:
        await self.client.aclose()
