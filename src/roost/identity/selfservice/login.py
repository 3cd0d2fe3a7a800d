"""Native (API) login: creating the flow and finishing it with a session.

What a method checks lives in its strategy (``password.py``); this module
does what every method shares: refuse a caller who is already signed in,
open the flow in Kratos's order, refuse a disabled identity, and write the
new session together with the completed flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from roost.identity import text
from roost.identity.errors import KratosError
from roost.identity.identities.model import Identity
from roost.identity.schemas.manager import Schemas
from roost.identity.selfservice.flow import Flow, login_nodes
from roost.identity.selfservice.flows import Flows, FormError, Submission
from roost.identity.sessions.model import Device, Session


class LoginStrategy(Protocol):
    """One login method (``password``; next ``totp``, ``webauthn``, ``oidc``...)."""

    async def authenticate(self, f: Flow, body: dict[str, Any]) -> Identity:
        """The identity the body proves, or FormError with messages on ``f``."""
        ...


class Sessions(Protocol):
    """The session rules login needs (``roost.identity.sessions.manager``)."""

    async def active(self, token: str | None) -> Session | None: ...

    def issue(self, identity: Identity, device: Device) -> Session: ...


async def refuse_if_signed_in(sessions: Sessions, token: str | None) -> None:
    """Kratos refuses to start login/registration for a caller who already has a session."""
    if await sessions.active(token) is not None:
        raise KratosError(
            400,
            "session_already_available",
            "A valid session was detected and thus login is not possible. Did you forget to set "
            "`?refresh=true`?",
            message="The request was malformed or contained invalid parameters",
        )


class Login:
    """The login flow over its methods, keyed by the ``method`` a submit names."""

    def __init__(
        self,
        flows: Flows,
        sessions: Sessions,
        schemas: Schemas,
        strategies: Mapping[str, LoginStrategy],
    ) -> None:
        self.flows = flows
        self.sessions = sessions
        self.schemas = schemas
        self.strategies = strategies

    def _nodes(self, _f: Flow | None = None) -> list[dict[str, Any]]:
        return login_nodes(self.schemas.get(self.schemas.default_id))

    async def create_api_flow(self, request_url: str, refresh: bool, token: str | None) -> Flow:
        if not refresh:
            await refuse_if_signed_in(self.sessions, token)
        f = Flow.new("login", "api", request_url, self.flows.lifespans["login"], self._nodes())
        f.refresh = refresh
        await self.flows.store.create(f)
        return f

    async def submit(self, sub: Submission) -> Session:
        """The session a successful submit issues (already written with the flow)."""
        f, body = await self.flows.open("login", sub, self._nodes)
        try:
            method = str(body.get("method"))
            strategy = self.strategies.get(method)
            if strategy is None:
                f.messages.append(text.no_login_strategy())
                raise FormError(f)
            ident = await strategy.authenticate(f, body)
        except FormError as exc:
            raise await self.flows.rejected(exc) from None
        session = self.sessions.issue(ident, sub.device)
        f.active = method
        f.state = "passed_challenge"
        await self.flows.store.complete(f, session=session)
        return session
