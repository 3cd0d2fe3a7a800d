"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0): logout tokens POSTed to clients.

§2.4: the logout token is a JWT with ``iss``, ``aud``, ``iat``, ``exp``,
``jti``, ``events`` (the back-channel logout event) and ``sid`` and/or
``sub``, never a ``nonce``; it is signed with the ID-token keys and typed
``logout+jwt`` (§2.4, "explicit typing"). §2.5: the OP POSTs it as the form
parameter ``logout_token`` to each client's ``backchannel_logout_uri``.

Delivery never blocks the user agent: each client gets its own background
task that tries a few times with a growing pause (§2.8 lets the OP retry),
then gives up with a log line naming the client, never the token.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from joserfc import jwt

from roost.oauth2.oidc.id_token import ID_TOKEN_SET, SigningKeys, epoch

log = logging.getLogger("roost.oauth2.logout")
EVENT = "http://schemas.openid.net/event/backchannel-logout"
TOKEN_TTL = timedelta(minutes=2)

Post = Callable[[str, dict[str, str]], Awaitable[int]]
"""POST a form to a URL; the response status."""


async def http_post(url: str, form: dict[str, str]) -> int:
    async with httpx.AsyncClient(timeout=5, follow_redirects=False) as http:
        return (await http.post(url, data=form)).status_code


@dataclass(frozen=True)
class Recipient:
    client_id: str
    uri: str


class BackChannelLogout:
    def __init__(
        self,
        keys: SigningKeys,
        issuer: str,
        *,
        post: Post = http_post,
        attempts: int = 3,
        pause: float = 0.5,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.post = post
        self.attempts = attempts
        self.pause = pause
        self._tasks: set[asyncio.Task[None]] = set()

    async def logout_token(self, client_id: str, subject: str, sid: str) -> str:
        key = await self.keys.signing_key(ID_TOKEN_SET)
        now = datetime.now(UTC).replace(tzinfo=None)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": [client_id],
            "iat": epoch(now),
            "exp": epoch(now + TOKEN_TTL),
            "jti": str(uuid.uuid4()),
            "events": {EVENT: {}},
            "sub": subject,
            "sid": sid,
        }
        header = {"alg": key.get("alg", "RS256"), "kid": key["kid"], "typ": "logout+jwt"}
        return jwt.encode(header, claims, self.keys.key_object(key))

    def notify(self, recipients: list[Recipient], subject: str, sid: str) -> None:
        """Start delivery to every recipient and return at once."""
        for recipient in recipients:
            task = asyncio.create_task(self._deliver(recipient, subject, sid))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def wait(self) -> None:
        """Until every delivery started so far has finished (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _deliver(self, recipient: Recipient, subject: str, sid: str) -> None:
        try:
            token = await self.logout_token(recipient.client_id, subject, sid)
        except Exception:
            log.exception("back-channel logout: no logout token for client %s", recipient.client_id)
            return
        outcome = ""
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(self.pause * 2 ** (attempt - 1))
            try:
                status = await self.post(recipient.uri, {"logout_token": token})
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
                continue
            if 200 <= status < 300:
                return
            outcome = f"HTTP {status}"
        log.warning(
            "back-channel logout to client %s failed after %d attempts (%s)",
            recipient.client_id,
            self.attempts,
            outcome,
        )
