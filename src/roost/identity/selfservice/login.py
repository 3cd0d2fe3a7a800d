"""Login, api and browser: creating the flow and finishing it with a session.

What a method checks lives in its strategy (``password.py``); this module
does what every method shares: refuse a caller who is already signed in
(unless ``refresh=true``), open the flow in Kratos's order, refuse a disabled
identity, and write the new session together with the completed flow. A
``refresh=true`` login by the session's own identity re-authenticates that
session (``authenticated_at`` moves, which settings' privileged age reads)
instead of issuing another. Every submit may carry the user's "keep me signed
in" choice (``remember.py``), which the finished login hands to the session
cookie and to Hydra's accept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from roost.core.errors import Invalid
from roost.identity import mfa_text, text
from roost.identity.errors import KratosError
from roost.identity.identities.model import Identity, now, ts
from roost.identity.schemas.manager import Schemas
from roost.identity.selfservice import remember
from roost.identity.selfservice.flow import Flow, login_nodes
from roost.identity.selfservice.flows import Flows, FormError, Start, Submission
from roost.identity.selfservice.hooks.request import HookRequest
from roost.identity.selfservice.oauth2_login import (
    CHALLENGE,
    OAuth2Provider,
    empty_challenge,
    location_change,
    not_configured,
)
from roost.identity.selfservice.step_up import StepUp
from roost.identity.sessions import aal
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


class LoginHooks(Protocol):
    """Web hooks at login's places (``selfservice.hooks.runner.FlowHooks``)."""

    async def before(self, kind: str, f: Flow, request: HookRequest | None) -> None: ...

    async def login_after(
        self, method: str, f: Flow, session: Session, ident: Identity, req: HookRequest | None
    ) -> None: ...


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
    """Where the browser goes next: Hydra (``login_challenge``) or the aal2 step."""
    aal2_pending: bool = False
    """The identity has a second factor the session still lacks (``highest_available``)."""
    remember: bool | None = None
    """The user's "keep me signed in" choice (None: ``session.cookie.persistent`` decides)."""


class Login:
    """The login flow over its methods, keyed by the ``method`` a submit names."""

    def __init__(
        self,
        flows: Flows,
        sessions: Sessions,
        schemas: Schemas,
        strategies: Mapping[str, LoginStrategy],
        oauth2: OAuth2Provider | None = None,
        step_up: StepUp | None = None,
        required_aal: str = "aal1",
        hooks: LoginHooks | None = None,
    ) -> None:
        self.flows = flows
        self.sessions = sessions
        self.schemas = schemas
        self.strategies = strategies
        self.oauth2 = oauth2
        self.step_up = step_up
        self.required_aal = required_aal
        self.hooks = hooks

    def _nodes(self, _f: Flow | None = None) -> list[dict[str, Any]]:
        nodes = login_nodes(self.schemas.get(self.schemas.default_id))
        for strategy in self.strategies.values():  # e.g. code's "send sign in code"
            extra = getattr(strategy, "nodes", None)
            nodes += extra() if callable(extra) else []
        return nodes

    async def create_api_flow(
        self, request_url: str, refresh: bool, token: str | None, aal_: str = "aal1"
    ) -> Flow:
        return await self.create_flow(Start(request_url, "api", token, refresh=refresh, aal=aal_))

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
        if start.aal == "aal2":
            return await self._create_step_up(start, current, challenge)
        if current is not None and not refresh:
            if challenge and self.oauth2 is not None:
                kept = start.session_remember
                raise location_change(await self.oauth2.accept_login(challenge, current, kept))
            raise already_signed_in()
        f = self.flows.new("login", start, self._nodes())
        self._add_strategy_nodes(f)
        f.refresh = refresh
        if challenge:
            f.internal_context[CHALLENGE] = challenge
        if refresh and current is not None:
            f.messages.append(text.confirm_it_is_you())
        if self.hooks is not None:
            await self.hooks.before("login", f, start.request)
        await self.flows.store.create(f)
        return f

    async def _create_step_up(
        self, start: Start, current: Session | None, challenge: str | None
    ) -> Flow:
        """``aal=aal2``: the second-factor form for the signed-in identity (Kratos's order:
        401 without a session, 400 when the session has aal2 already and is not refreshing)."""
        if current is None:
            raise aal.aal1_required()
        if current.aal == "aal2" and not start.refresh:
            raise already_signed_in()
        identity = await self._step_up().identity(current.identity_id)
        f = self.flows.new("login", start, [])
        f.nodes = self._step_up().nodes(identity, f)
        f.requested_aal, f.refresh = "aal2", start.refresh
        if challenge:
            f.internal_context[CHALLENGE] = challenge
        f.messages.append(mfa_text.login_mfa())
        await self.flows.store.create(f)
        await self._step_up().start(identity, f)
        return f

    def _add_strategy_nodes(self, f: Flow) -> None:
        """Nodes a method shows per flow (a passkey's challenge), beside the password form."""
        for strategy in self.strategies.values():
            flow_nodes = getattr(strategy, "flow_nodes", None)
            if flow_nodes is not None:
                f.nodes += flow_nodes(f)

    def _step_up(self) -> StepUp:
        if self.step_up is None or not self.step_up.factors:
            raise Invalid("No second factor is enabled: aal2 cannot be requested.")
        return self.step_up

    async def _second_factor(self, f: Flow, sub: Submission, body: dict[str, Any]) -> LoggedIn:
        """An aal2 submit: the factor named by ``method`` upgrades the caller's session."""
        current = await self.sessions.active(sub.session_token)
        if current is None:
            raise aal.aal1_required()
        step_up = self._step_up()
        # the code factor's address buttons post ``address`` without ``method`` (Kratos's)
        method = str(body.get("method") or ("code" if body.get("address") else None))
        try:
            factor = step_up.factors.get(method)
            if factor is None:
                f.messages.append(text.no_login_strategy())
                raise FormError(f)
            ident = await step_up.identity(current.identity_id)
            await step_up.verify(factor, f, ident, body)
        except FormError as exc:
            raise await self.flows.rejected(exc) from None
        at = now()
        methods = [*current.authentication_methods, aal.method(method, "aal2", at)]
        again = replace(
            current,
            authenticated_at=at,
            authentication_methods=methods,
            aal=aal.session_aal(methods),
        )
        f.active, f.state = method, "passed_challenge"
        await self._after_hooks(method, f, again, ident, sub.request)
        await self.flows.store.complete(f, refreshed=again)
        kept = remember.chosen(f, sub.session_remember)
        return await self._accepted(f, LoggedIn(again, f, refreshed=True, remember=kept))

    def _pending_aal2(self, f: Flow, done: LoggedIn, identity: Identity) -> LoggedIn | None:
        """After a first factor, an identity with a second one still has its aal2 step to do
        (``highest_available``): the browser is sent there, api clients get a session
        without its identity, as Kratos answers."""
        code_mfa = self.step_up is not None and self.step_up.code_mfa
        if aal.satisfied(self.required_aal, done.session.aal, aal.identity_aal(identity, code_mfa)):
            return None
        challenge = f.internal_context.get(CHALLENGE)
        url = aal.step_up_url(self.flows.public_url, f.return_to, challenge) if f.browser else None
        return replace(done, redirect_to=url, aal2_pending=True)

    async def _accepted(self, f: Flow, done: LoggedIn) -> LoggedIn:
        """Accept Hydra's login request for the new session, when the flow has one."""
        challenge = f.internal_context.get(CHALLENGE)
        if not challenge or self.oauth2 is None:
            return done
        redirect = await self.oauth2.accept_login(str(challenge), done.session, done.remember)
        return replace(done, redirect_to=redirect)

    async def _after_hooks(
        self, method: str, f: Flow, session: Session, ident: Identity, req: HookRequest | None
    ) -> None:
        """Login's after-hooks, before the session is written; an interruption shows the
        hook's messages on the flow."""
        if self.hooks is None:
            return
        try:
            await self.hooks.login_after(method, f, session, ident, req)
        except FormError as exc:
            f.state = "choose_method"
            raise await self.flows.rejected(exc) from None

    async def submit(self, sub: Submission) -> LoggedIn:
        """The session a successful submit issues (already written with the flow)."""
        f, body = await self.flows.open("login", sub, self._nodes)
        try:
            remember.take(f, body)
        except FormError as exc:
            raise await self.flows.rejected(exc) from None
        if f.requested_aal == "aal2":
            return await self._second_factor(f, sub, body)
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
            await self._after_hooks(method, f, again, ident, sub.request)
            await self.flows.store.complete(f, refreshed=again)
            kept = remember.chosen(f, sub.session_remember)
            done = LoggedIn(again, f, refreshed=True, remember=kept)
            return self._pending_aal2(f, done, ident) or await self._accepted(f, done)
        session = self.sessions.issue(ident, sub.device)
        if method != "password":
            session.authentication_methods = [aal.method(method, "aal1", session.authenticated_at)]
        await self._after_hooks(method, f, session, ident, sub.request)
        await self.flows.store.complete(f, session=session)
        done = LoggedIn(session, f, remember=remember.chosen(f))
        return self._pending_aal2(f, done, ident) or await self._accepted(f, done)
