"""Login, api and browser: creating the flow and finishing it with a session.

What a method checks lives in its strategy (``password.py``); this module
does what every method shares: refuse a caller who is already signed in
(unless ``refresh=true``), open the flow in Kratos's order, refuse a disabled
identity, and write the new session together with the completed flow. A
``refresh=true`` login by the session's own identity re-authenticates that
session (``authenticated_at`` moves, which settings' privileged age reads)
instead of issuing another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from roost.identity import text
from roost.identity.errors import KratosError
from roost.identity.identities.model import Identity, now, ts
from roost.identity.schemas.manager import Schemas
from roost.identity.selfservice.flow import Flow, login_nodes
from roost.identity.selfservice.flows import Flows, FormError, Start, Submission
from roost.identity.selfservice.oauth2_login import (
    CHALLENGE,
    OAuth2Provider,
    empty_challenge,
    location_change,
    not_configured,
)
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


def already_signed_in() -> KratosError:
    return KratosError(
        400,
        "session_already_available",
        "A valid session was detected and thus login is not possible. Did you forget to set "
        "`?refresh=true`?",
        message="The request was malformed or contained invalid parameters",
    )


async def refuse_if_signed_in(sessions: Sessions, token: str | None) -> None:
    """Kratos refuses to start login/registration for a caller who already has a session."""
    if await sessions.active(token) is not None:
        raise already_signed_in()


@dataclass(frozen=True)
class LoggedIn:
    session: Session
    flow: Flow
    refreshed: bool = False
    """True when an existing session was re-authenticated (``refresh=true``)."""
    redirect_to: str | None = None
    """Where Hydra sends the browser next, when the flow carried a ``login_challenge``."""


class Login:
    """The login flow over its methods, keyed by the ``method`` a submit names."""

    def __init__(
        self,
        flows: Flows,
        sessions: Sessions,
        schemas: Schemas,
        strategies: Mapping[str, LoginStrategy],
        oauth2: OAuth2Provider | None = None,
    ) -> None:
        self.flows = flows
        self.sessions = sessions
        self.schemas = schemas
        self.strategies = strategies
        self.oauth2 = oauth2

    def _nodes(self, _f: Flow | None = None) -> list[dict[str, Any]]:
        nodes = login_nodes(self.schemas.get(self.schemas.default_id))
        for strategy in self.strategies.values():  # e.g. code's "send sign in code"
            extra = getattr(strategy, "nodes", None)
            nodes += extra() if callable(extra) else []
        return nodes

    async def create_api_flow(self, request_url: str, refresh: bool, token: str | None) -> Flow:
        return await self.create_flow(Start(request_url, "api", token, refresh=refresh))

    async def create_flow(self, start: Start) -> Flow:
        """A new api or browser login flow (``session_already_available`` unless refreshing)."""
        refresh, challenge = start.refresh, start.login_challenge
        if challenge is not None:
            if self.oauth2 is None:
                raise not_configured()
            if not challenge:
                raise empty_challenge()
            hydra_request = await self.oauth2.login_request(challenge)
            refresh = refresh or not hydra_request.get("skip")
        current = await self.sessions.active(start.session_token)
        if current is not None and not refresh:
            if challenge and self.oauth2 is not None:
                raise location_change(await self.oauth2.accept_login(challenge, current))
            raise already_signed_in()
        f = self.flows.new("login", start, self._nodes())
        f.refresh = refresh
        if challenge:
            f.internal_context[CHALLENGE] = challenge
        if refresh and current is not None:
            f.messages.append(text.confirm_it_is_you())
        await self.flows.store.create(f)
        return f

    async def _accepted(self, f: Flow, done: LoggedIn) -> LoggedIn:
        """Accept Hydra's login request for the new session, when the flow has one."""
        challenge = f.internal_context.get(CHALLENGE)
        if not challenge or self.oauth2 is None:
            return done
        redirect = await self.oauth2.accept_login(str(challenge), done.session)
        return replace(done, redirect_to=redirect)

    async def submit(self, sub: Submission) -> LoggedIn:
        """The session a successful submit issues (already written with the flow)."""
        f, body = await self.flows.open("login", sub, self._nodes)
        current = await self.sessions.active(sub.session_token) if f.browser else None
        if current is not None and not f.refresh:
            raise already_signed_in()
        try:
            method = str(body.get("method"))
            strategy = self.strategies.get(method)
            if strategy is None:
                f.messages.append(text.no_login_strategy())
                raise FormError(f)
            ident = await strategy.authenticate(f, body)
        except FormError as exc:
            raise await self.flows.rejected(exc) from None
        f.active = method
        f.state = "passed_challenge"
        if current is not None and current.identity_id == ident.id:
            at = now()
            again = replace(
                current,
                authenticated_at=at,
                authentication_methods=[
                    *current.authentication_methods,
                    {"method": method, "aal": "aal1", "completed_at": ts(at)},
                ],
            )
            await self.flows.store.complete(f, refreshed=again)
            return await self._accepted(f, LoggedIn(again, f, refreshed=True))
        session = self.sessions.issue(ident, sub.device)
        session.authentication_methods = [
            {**m, "method": method} for m in session.authentication_methods
        ]
        await self.flows.store.complete(f, session=session)
        return await self._accepted(f, LoggedIn(session, f))
